import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';

/** The drizzle handle every module uses; the same type on PGlite and postgres.js. */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** Something that runs SQL: the database or an open transaction. */
export type Executor = Db | Tx;

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Db;
  /** LISTEN on a channel; the returned function stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = new URL('../../../migrations', import.meta.url).pathname;

/** Arbitrary but fixed: serialises migrations when several hub processes start on one server. */
const MIGRATION_LOCK_KEY = 7_320_613;

export interface OpenEmbeddedOptions {
  /** Directory of the data files; `undefined` → in memory. */
  dir: string | undefined;
  /** A tarball made by `dumpDataDir`, loaded instead of an empty cluster (tests). */
  loadDataDir?: Blob;
}

export async function openEmbedded(options: OpenEmbeddedOptions): Promise<Database & { pglite: PGlite }> {
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  const pglite = await PGlite.create({
    ...(options.dir ? { dataDir: options.dir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const db = drizzlePglite(pglite) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite,
    async listen(channel, onPayload) {
      const stop = await pglite.listen(channel, onPayload);
      return async () => {
        await stop();
      };
    },
    async ping() {
      await pglite.query('select 1');
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}

export interface OpenServerOptions {
  url: string;
  /** Pool size; postgres.js opens connections lazily. */
  max?: number;
  /** Called for every statement sent (postgres.js `debug`): tests count statements with it. */
  onStatement?: (query: string) => void;
}

export async function openServer(options: OpenServerOptions): Promise<Database & { sql: postgres.Sql; url: string }> {
  const sql = postgres(options.url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: 'gridhub' },
    ...(options.onStatement ? { debug: (_connection: number, query: string) => options.onStatement?.(query) } : {}),
  });
  const db = drizzlePostgres(sql) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    sql,
    url: options.url,
    async listen(channel, onPayload) {
      // postgres.js keeps one dedicated connection for LISTEN and re-listens after it reconnects.
      const meta = await sql.listen(channel, onPayload);
      return async () => {
        await meta.unlisten();
      };
    },
    async ping() {
      await sql`select 1`;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

export async function applyMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  // One connection of its own, so that the session-level lock covers the migrator's statements.
  const { url } = database as Database & { url: string };
  const single = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres(single), { migrationsFolder });
  } finally {
    await single.end({ timeout: 5 });
  }
}

export function embeddedDir(dataDir: string): string {
  return join(dataDir, 'pg');
}
