// Builds the GraphiQL page's assets from node_modules with esbuild, once per process,
// and keeps them in memory. The hub runs where there is no internet, so nothing may come
// from a CDN; committing a multi-MB bundle is not wanted either, and `npm install` then
// `npm start` must be enough, so the build happens lazily at run time (1.5-3 s on two
// cores; ~6.5 MB in memory).
//
// A copy is kept in node_modules/.cache/gridhub-graphiql so that restarts (tsx watch,
// test files) do not pay that again (~0.2 s to load). The cache is best-effort: it is
// checked against every input esbuild read (size and mtime, plus the hash of each
// package.json involved), and any problem with it (read-only node_modules, a damaged
// directory, a race with another process) means a rebuild in memory, never a failure.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type BuildOptions, type Metafile } from 'esbuild';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** Content-hashed chunk name: safe to cache for good. */
  readonly immutable: boolean;
}

export type Assets = ReadonlyMap<string, Asset>;

/** File names the HTML page and the browser entry refer to. */
export const ENTRY_SCRIPT = 'graphiql.js';
export const STYLESHEET = 'graphiql.css';
const FIXED_NAMES: ReadonlySet<string> = new Set([
  ENTRY_SCRIPT,
  STYLESHEET,
  'editor.worker.js',
  'json.worker.js',
  'graphql.worker.js',
]);

interface BundleOptions {
  /** Where to keep built assets across restarts; `false` keeps them in memory only. */
  readonly cacheDir?: string | false;
}

const here = dirname(fileURLToPath(import.meta.url));
// Same extension as this module: main.ts under tsx/vitest, main.js after a tsc build.
const browserEntry = join(here, 'browser', `main${extname(fileURLToPath(import.meta.url))}`);

function defaultCacheDir(): string {
  // The node_modules that holds graphiql, wherever npm put it.
  const graphiqlPackage = createRequire(import.meta.url).resolve('graphiql/package.json');
  return join(dirname(dirname(graphiqlPackage)), '.cache', 'gridhub-graphiql');
}

function buildOptions(): BuildOptions[] {
  const shared: BuildOptions = {
    absWorkingDir: here,
    bundle: true,
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  };
  return [
    {
      ...shared,
      entryPoints: { graphiql: browserEntry },
      format: 'esm',
      // Monaco, prettier and the JSON language are imported dynamically: separate chunks.
      splitting: true,
      // Monaco's modules import their CSS; graphiql/style.css (below) already has all of
      // it, fonts inlined, so the imports are dropped instead of producing a second copy.
      loader: { '.css': 'empty' },
    },
    {
      ...shared,
      entryPoints: {
        // Classic (non-module) workers: no module-worker support needed in the browser.
        'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
        'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
        'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
        graphiql: 'graphiql/style.css',
      },
      format: 'iife',
    },
  ];
}

const memo = new Map<string, Promise<Assets>>();

/** The assets, built at most once per process and cache directory. */
export function loadGraphiqlAssets(options: BundleOptions = {}): Promise<Assets> {
  const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const memoKey = cacheDir === false ? '' : resolve(cacheDir);
  let pending = memo.get(memoKey);
  if (!pending) {
    pending = produce(cacheDir);
    // A failed build (e.g. a broken install) is retried by the next request.
    pending.catch(() => memo.delete(memoKey));
    memo.set(memoKey, pending);
  }
  return pending;
}

async function produce(cacheDir: string | false): Promise<Assets> {
  const options = buildOptions();
  const key = sha256(JSON.stringify({ esbuildVersion, browserEntry, options }));
  if (cacheDir !== false) {
    const cached = await readCache(cacheDir, key).catch(() => undefined);
    if (cached) return toAssets(cached);
  }
  const results = await Promise.all(options.map((o) => build(o)));
  const files = new Map<string, Buffer>();
  const inputs: string[] = [];
  for (const [index, result] of results.entries()) {
    for (const file of result.outputFiles ?? []) {
      const name = basename(file.path);
      // Assets are served flat, by name: two builds must not produce the same one.
      if (files.has(name)) throw new Error(`GraphiQL bundle: two outputs named ${name}`);
      files.set(name, Buffer.from(file.contents));
    }
    inputs.push(...inputPaths(result.metafile, options[index]?.absWorkingDir ?? here));
  }
  if (cacheDir !== false) await writeCache(cacheDir, key, inputs, files).catch(() => undefined);
  return toAssets(files);
}

function inputPaths(metafile: Metafile | undefined, workingDir: string): string[] {
  // Namespaced inputs (none today) are not files and cannot be checked.
  return Object.keys(metafile?.inputs ?? {})
    .filter((path) => !path.includes(':'))
    .map((path) => resolve(workingDir, path));
}

function toAssets(files: ReadonlyMap<string, Buffer>): Assets {
  const assets = new Map<string, Asset>();
  for (const [name, body] of files) {
    assets.set(name, {
      body,
      contentType: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      etag: `"${sha256(body).slice(0, 32)}"`,
      immutable: !FIXED_NAMES.has(name),
    });
  }
  return assets;
}

interface Manifest {
  readonly key: string;
  /** Content-addressed directory (under the cache dir) holding `files`. */
  readonly dir: string;
  readonly files: readonly string[];
  /** Absolute input path → its fingerprint when built. */
  readonly inputs: Readonly<Record<string, string>>;
}

const MANIFEST = 'manifest.json';

async function fingerprint(path: string): Promise<string> {
  // npm gives every file it extracts the same mtime (1985-10-26), so size:mtime alone
  // can miss an upgrade; package.json files (version included) are hashed instead.
  if (basename(path) === 'package.json') return sha256(await readFile(path));
  const info = await stat(path);
  return `${info.size}:${info.mtimeMs}`;
}

/** The inputs plus the package.json of every package they come from. */
function withPackageManifests(inputs: readonly string[]): string[] {
  const all = new Set(inputs);
  for (const path of inputs) {
    const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(path);
    if (match?.[1]) all.add(join(match[1], 'package.json'));
  }
  return [...all];
}

async function readCache(cacheDir: string, key: string): Promise<Map<string, Buffer> | undefined> {
  const manifest = JSON.parse(await readFile(join(cacheDir, MANIFEST), 'utf8')) as Manifest;
  if (manifest.key !== key || !/^[0-9a-f]{64}$/.test(manifest.dir)) return undefined;
  const checks = await Promise.all(
    Object.entries(manifest.inputs).map(async ([path, expected]) => (await fingerprint(path)) === expected),
  );
  if (checks.includes(false)) return undefined;
  const files = new Map<string, Buffer>();
  for (const name of manifest.files) {
    if (!/^\w[\w.-]*$/.test(name)) return undefined;
    files.set(name, await readFile(join(cacheDir, manifest.dir, name)));
  }
  return files.has(ENTRY_SCRIPT) && files.has(STYLESHEET) ? files : undefined;
}

async function writeCache(
  cacheDir: string,
  key: string,
  inputs: readonly string[],
  files: ReadonlyMap<string, Buffer>,
): Promise<void> {
  const names = [...files.keys()].sort();
  const contentHash = createHash('sha256');
  for (const name of names) contentHash.update(name).update('\0').update(files.get(name) ?? '');
  const dir = contentHash.digest('hex');

  const fingerprints: Record<string, string> = {};
  await Promise.all(
    withPackageManifests(inputs).map(async (path) => {
      fingerprints[path] = await fingerprint(path);
    }),
  );

  // Write under a private name, then rename: readers never see a half-written directory,
  // and two processes building at once just both produce the same content.
  await mkdir(cacheDir, { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(cacheDir, `tmp-${unique}`);
  await mkdir(staging);
  try {
    await Promise.all(names.map((name) => writeFile(join(staging, name), files.get(name) ?? '')));
    await moveIntoPlace(staging, join(cacheDir, dir), files);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const manifest: Manifest = { key, dir, files: names, inputs: fingerprints };
  const manifestTmp = join(cacheDir, `${MANIFEST}.${unique}`);
  await writeFile(manifestTmp, JSON.stringify(manifest));
  await rename(manifestTmp, join(cacheDir, MANIFEST));

  // Drop older builds (a process still reading one falls back to building) and what a
  // crashed writer left behind.
  const now = Date.now();
  for (const entry of await readdir(cacheDir)) {
    const path = join(cacheDir, entry);
    const stale =
      (/^[0-9a-f]{64}$/.test(entry) && entry !== dir) ||
      ((entry.startsWith('tmp-') || entry.startsWith(`${MANIFEST}.`)) &&
        now - (await stat(path)).mtimeMs > 10 * 60_000);
    if (stale) await rm(path, { recursive: true, force: true });
  }
}

async function moveIntoPlace(staging: string, target: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  try {
    await rename(staging, target);
    return;
  } catch (error) {
    if (!isCode(error, 'EEXIST') && !isCode(error, 'ENOTEMPTY')) throw error;
  }
  // The directory is named after its content, so an existing one is another process's
  // identical build, unless it was damaged (a file deleted or truncated): then replace it.
  const intact = await Promise.all(
    [...files].map(async ([name, body]) => (await stat(join(target, name)).catch(() => undefined))?.size === body.length),
  );
  if (intact.includes(false)) {
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
