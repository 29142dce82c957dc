// Builds the board's script and stylesheet from node_modules with esbuild (Apache ECharts,
// graphql-ws, the sign-in), once per process, kept in memory: the hub runs where there is no
// internet, so nothing comes from a CDN, and `npm install` then `npm start` is enough. Only the
// ECharts parts the board draws are imported (echarts/core), which keeps the build short.
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BoardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export const BOARD_SCRIPT = 'board.js';
export const BOARD_STYLESHEET = 'board.css';

const here = dirname(fileURLToPath(import.meta.url));

async function produce(): Promise<ReadonlyMap<string, BoardAsset>> {
  const result = await build({
    absWorkingDir: here,
    entryPoints: { board: join(here, 'browser', 'main.js'), 'board-style': join(here, 'browser', 'board.css') },
    bundle: true,
    platform: 'browser',
    target: ['es2022'],
    format: 'esm',
    minify: true,
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = new Map<string, BoardAsset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path) === 'board-style.css' ? BOARD_STYLESHEET : basename(file.path);
    const body = Buffer.from(file.contents);
    const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` });
  }
  return assets;
}

let pending: Promise<ReadonlyMap<string, BoardAsset>> | undefined;

/** The assets, built at most once per process (a failed build is tried again by the next call). */
export function loadBoardAssets(): Promise<ReadonlyMap<string, BoardAsset>> {
  if (!pending) {
    pending = produce();
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}
