// The command centre's big screen (指挥大屏) at /board: one HTML page, and a script and a
// stylesheet bundled from node_modules (./board/bundle.ts). Everything comes from this origin;
// the page talks only to /graphql (HTTP and WebSocket), the sign-in's identity provider and,
// when the operator serves map tiles (BOARD_TILE_URL), to that tile server.
//
// Terminology
// - page data: what the server tells the page's script in a `<script type="application/json">`
//   block (never executed, so the CSP needs no inline script): paths, the tile template, the
//   stream's cap and the Chinese labels of the API's enums (./board/labels.ts).
import { Router, type Request, type Response } from 'express';
import { BOARD_LABELS } from './board/labels.js';
import { BOARD_SCRIPT, BOARD_STYLESHEET, loadBoardAssets, type BoardAsset } from './board/bundle.js';

/** How many alerts the live stream keeps on screen at most; older ones fall off the bottom. */
export const BOARD_STREAM_CAP = 50;

export interface BoardRouterOptions {
  /** Path of the GraphQL endpoint (HTTP and WebSocket) on this origin. */
  readonly graphqlPath: string;
  /** Where the sign-in routes are mounted (`/auth`). */
  readonly signInPath: string;
  /** `BOARD_TILE_URL`: the operator's tile template; undefined → the offline base only. */
  readonly tileUrl: string | undefined;
  /** More origins the page may connect to: the identity provider's (signInConnectSources). */
  readonly connectSources: () => readonly string[];
}

const ORIGIN = /^https?:\/\/[a-z0-9.:[\]-]+$/i;

/** Only this origin, plus the identity provider for the sign-in and the tile server for images. */
function contentSecurityPolicy(req: Request, options: BoardRouterOptions): string {
  const host = req.get('host') ?? '';
  const plainHost = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(host);
  const ws = plainHost ? ` ws://${host} wss://${host}` : '';
  const others = options.connectSources().filter((origin) => ORIGIN.test(origin)).map((origin) => ` ${origin}`).join('');
  const tiles = options.tileUrl ? tileOrigin(options.tileUrl) : undefined;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    `img-src 'self' data:${tiles && ORIGIN.test(tiles) ? ` ${tiles}` : ''}`,
    `connect-src 'self'${ws}${others}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

function tileOrigin(template: string): string {
  return new URL(template.replace('{z}', '0').replace('{x}', '0').replace('{y}', '0')).origin;
}

/** JSON inside <script>: `<` escaped, so no `</script>` can end the block early. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

function page(assetsBase: string, options: BoardRouterOptions): string {
  const data = { graphqlPath: options.graphqlPath, signInPath: options.signInPath, tileUrl: options.tileUrl ?? null, streamCap: BOARD_STREAM_CAP, labels: BOARD_LABELS };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>社会治理指挥大屏</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetsBase}/${BOARD_STYLESHEET}">
<script type="application/json" id="page-data">${scriptJson(data)}</script>
<script type="module" src="${assetsBase}/${BOARD_SCRIPT}"></script>
</head>
<body>
<div id="board" data-state="loading"><p class="board-loading">指挥大屏加载中…</p></div>
<noscript>指挥大屏需要启用 JavaScript。</noscript>
</body>
</html>
`;
}

function sendAsset(req: Request, res: Response, asset: BoardAsset): void {
  res.set({ 'Content-Type': asset.contentType, ETag: asset.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.send(asset.body);
}

export function boardRouter(options: BoardRouterOptions): Router {
  const router = Router();
  router.get('/', (req: Request, res: Response) => {
    res
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': contentSecurityPolicy(req, options),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .send(page(`${req.baseUrl}/assets`, options));
    // Start the build now: the browser asks for the assets a few milliseconds later.
    loadBoardAssets().catch(() => undefined);
  });
  router.get('/assets/:name', async (req: Request<{ name: string }>, res: Response) => {
    let asset: BoardAsset | undefined;
    try {
      asset = (await loadBoardAssets()).get(req.params.name);
    } catch (error) {
      console.error('gridhub: building the board assets failed', error);
      res.status(500).type('text/plain').send('The board assets could not be built; see the server log.');
      return;
    }
    if (!asset) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    sendAsset(req, res, asset);
  });
  return router;
}
