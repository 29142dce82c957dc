import { createHash, type Hash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/database.js';
import type { SeedSummary } from './demo.js';

/**
 * The embedded demo's template: a fresh DATA_DIR starts from a copy of a PGlite data directory
 * that was migrated and seeded once (kept in TEMPLATE_CACHE_DIR), with the demo's times moved
 * to now, instead of running initdb, the migrations and the seed again.
 * The cache is keyed by a hash of the migrations, the seed's sources and PGlite's version: any
 * change to them makes a new template, and an old one is never loaded.
 */

/** Raised when what a template holds changes without its sources changing. */
const TEMPLATE_FORMAT = 1;

export interface TemplateSources {
  /** The migrations folder (SQL and the drizzle journal). */
  readonly migrationsDir: string;
  /** The demo seed's sources. */
  readonly seedDir: string;
}

export const TEMPLATE_SOURCES: TemplateSources = {
  migrationsDir: fileURLToPath(new URL('../../migrations', import.meta.url)),
  seedDir: fileURLToPath(new URL('.', import.meta.url)),
};

/** What a template was seeded as: the moment its times are relative to, and its counts. */
export interface TemplateMeta {
  readonly seededAt: string;
  readonly summary: SeedSummary;
}

export interface DemoTemplate {
  /** The data directory to copy. */
  readonly dir: string;
  readonly meta: TemplateMeta;
}

function hashTree(hash: Hash, dir: string, prefix = ''): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hashTree(hash, path, `${prefix}${name}/`);
    else hash.update(`${prefix}${name}\0`).update(readFileSync(path)).update('\0');
  }
}

function pgliteVersion(): string {
  try {
    const manifest = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url));
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The cache key of the template the current sources make. */
export function templateKey(sources: TemplateSources = TEMPLATE_SOURCES): string {
  const hash = createHash('sha256').update(`gridhub demo template ${TEMPLATE_FORMAT}; PGlite ${pgliteVersion()}\n`);
  hashTree(hash, sources.migrationsDir);
  hashTree(hash, sources.seedDir);
  return hash.digest('hex').slice(0, 20);
}

const files = (cacheDir: string, key: string) => ({ dir: join(cacheDir, `demo-${key}`), meta: join(cacheDir, `demo-${key}.json`) });

/** The template of `key` in `cacheDir`, if one was completed there. */
export function findTemplate(cacheDir: string, key: string): DemoTemplate | undefined {
  const { dir, meta } = files(cacheDir, key);
  if (!existsSync(meta) || !existsSync(join(dir, 'PG_VERSION'))) return undefined;
  try {
    return { dir, meta: JSON.parse(readFileSync(meta, 'utf8')) as TemplateMeta };
  } catch {
    return undefined;
  }
}

/**
 * Keeps a just-seeded database (nothing else has run on it) as the template of `key`: after a
 * checkpoint its files are copied while PGlite holds its query lock, as PGlite's own
 * `dumpDataDir` reads them (the copy opens as a database that stopped there). The copy and its
 * description are written under temporary names, then renamed, the description last: a
 * template is found only once both are complete.
 */
export async function saveTemplate(pglite: PGlite, dataDir: string, cacheDir: string, key: string, meta: TemplateMeta): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const target = files(cacheDir, key);
  // Another hub that started at the same time made it first: never replace a complete template,
  // which a third may be copying.
  if (existsSync(target.meta)) return;
  await pglite.query('checkpoint');
  const partial = `.${process.pid}.partial`;
  await pglite._runExclusiveQuery(async () => {
    rmSync(target.dir + partial, { recursive: true, force: true });
    cpSync(dataDir, target.dir + partial, { recursive: true });
  });
  if (existsSync(target.meta)) {
    rmSync(target.dir + partial, { recursive: true, force: true });
    return;
  }
  rmSync(target.dir, { recursive: true, force: true });
  renameSync(target.dir + partial, target.dir);
  writeFileSync(target.meta + partial, JSON.stringify(meta));
  renameSync(target.meta + partial, target.meta);
}

/** A fresh data directory from the template (a file copy; then opened as any existing one). */
export function copyTemplate(template: DemoTemplate, dataDir: string): void {
  cpSync(template.dir, dataDir, { recursive: true });
}

/**
 * Moves every time of a database loaded from a template by `now − seededAt`, so the demo
 * is what seeding at `now` would give: every age (an alert 3 hours old, a device silent for a
 * day, a case overdue) stays what it was. Triggers are off for the move (it rewrites history
 * rows that are otherwise append-only, and nothing is announced). Then what depends on the
 * calendar follows: a case's number carries the year it was opened (UTC+8); the seeded weekly
 * reports are removed, and `seedWeeklyReports` makes them again for the last week ended before
 * `now` once the hub serves (16 streets' figures: the slowest part of the move).
 */
export async function shiftDemo(db: Db, seededAt: Date, now: Date): Promise<void> {
  const shiftMs = now.getTime() - seededAt.getTime();
  const columns = await db.execute(sql`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('timestamp with time zone', 'timestamp without time zone')
    order by table_name, ordinal_position`);
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of rowsOf<{ table_name: string; column_name: string }>(columns)) byTable.set(table_name, [...(byTable.get(table_name) ?? []), column_name]);
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    const shift = sql`(${`${shiftMs} milliseconds`})::interval`;
    for (const [table, names] of byTable) {
      const sets = sql.join(
        names.map((name) => sql`${sql.identifier(name)} = ${sql.identifier(name)} + ${shift}`),
        sql`, `,
      );
      await tx.execute(sql`update ${sql.identifier(table)} set ${sets}`);
    }
    await tx.execute(sql`update cases set number = regexp_replace(number, '-\\d{4}-', '-' || to_char(opened_at at time zone 'Asia/Shanghai', 'YYYY') || '-')`);
    await tx.execute(sql`delete from reports where generated_by = 'seed'`);
  });
}

/** drizzle's `execute` gives rows on postgres.js and `{ rows }` on PGlite. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}
