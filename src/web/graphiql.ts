// GraphiQL served by the hub itself, every asset included: the hub runs on intranets
// with no internet, so the page must not touch a CDN, esm.sh or web fonts. The assets are
// built from node_modules on first use (see ./graphiql/bundle.ts); the page itself needs
// no build and answers at once.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Router, type Request, type Response } from 'express';
import { ENTRY_SCRIPT, STYLESHEET, loadGraphiqlAssets, type Asset } from './graphiql/bundle.js';

interface GraphiqlRouterOptions {
  /** Path of the GraphQL endpoint (HTTP and WebSocket) on this origin, e.g. `/graphql`. */
  readonly graphqlPath: string;
  /**
   * Where built assets are kept across restarts; `false` builds in memory only.
   * Defaults to node_modules/.cache/gridhub-graphiql.
   */
  readonly cacheDir?: string | false;
  /** Where the sign-in routes are mounted (`/auth`); unset → the page offers no sign-in. */
  readonly signInPath?: string;
  /** More origins the page may connect to: the identity provider's, for the sign-in's code exchange. */
  readonly connectSources?: () => readonly string[];
}

// Everything same-origin. Inline styles: Monaco and React set style attributes. Fonts
// are data: URLs inside graphiql's stylesheet. 'self' in connect-src covers ws(s) to
// this host in current browsers; it is listed explicitly for older ones, only when the
// Host header is a plain host[:port] (it must not be able to add directives).
function contentSecurityPolicy(req: Request, extra: readonly string[]): string {
  const host = req.get('host') ?? '';
  const plainHost = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(host);
  const ws = plainHost ? ` ws://${host} wss://${host}` : '';
  // Origins from the configuration (URL.origin: scheme, host, port; nothing that could add a directive).
  const others = extra.filter((origin) => /^https?:\/\/[a-z0-9.:[\]-]+$/i.test(origin)).map((origin) => ` ${origin}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src 'self'${ws}${others}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(assetsBase: string, graphqlPath: string, signInPath: string | undefined): string {
  const signIn = signInPath === undefined ? '' : ` data-sign-in-path="${escapeHtml(signInPath)}"`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gridhub GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(`${assetsBase}/${STYLESHEET}`)}">
<style>html, body { height: 100%; margin: 0; } body { display: flex; flex-direction: column; } #graphiql { flex: 1; min-height: 0; }</style>
<script type="module" src="${escapeHtml(`${assetsBase}/${ENTRY_SCRIPT}`)}"></script>
</head>
<body>
<div id="sign-in"></div>
<div id="graphiql" data-graphql-path="${escapeHtml(graphqlPath)}"${signIn}>Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
</body>
</html>
`;
}

const gzipAsync = promisify(gzip);
const gzipCache = new WeakMap<Asset, Promise<Buffer>>();

function compressed(asset: Asset): Promise<Buffer> {
  let pending = gzipCache.get(asset);
  if (!pending) {
    pending = gzipAsync(asset.body);
    gzipCache.set(asset, pending);
  }
  return pending;
}

export function graphiqlRouter(options: GraphiqlRouterOptions): Router {
  const router = Router();
  const bundleOptions = options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir };

  // '/' matches both /graphiql and /graphiql/ (non-strict routing). Asset URLs are
  // absolute from the mount point so that both forms resolve them the same way.
  router.get('/', (req: Request, res: Response) => {
    res
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': contentSecurityPolicy(req, options.connectSources?.() ?? []),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .send(page(`${req.baseUrl}/assets`, options.graphqlPath, options.signInPath));
    // Start the build now: the browser asks for the assets a few milliseconds later.
    loadGraphiqlAssets(bundleOptions).catch(() => undefined);
  });

  router.get('/assets/:name', async (req: Request<{ name: string }>, res: Response) => {
    let asset: Asset | undefined;
    try {
      asset = (await loadGraphiqlAssets(bundleOptions)).get(req.params.name);
    } catch (error) {
      // Same message for everyone; the details belong in the server log.
      console.error('gridhub: building GraphiQL assets failed', error);
      res.status(500).type('text/plain').send('GraphiQL assets could not be built; see the server log.');
      return;
    }
    if (!asset) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    // Each encoding is its own representation, hence its own ETag.
    const gzipped = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    res.set({
      'Content-Type': asset.contentType,
      ETag: gzipped ? `${asset.etag.slice(0, -1)}-gz"` : asset.etag,
      'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    if (gzipped) {
      res.set('Content-Encoding', 'gzip').send(await compressed(asset));
      return;
    }
    res.send(asset.body);
  });

  return router;
}
