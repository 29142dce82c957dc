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
import { isDatabaseUnavailable } from './outage.js';
import { ReplicaReads, type ReplicaSettings } from './replica.js';

/** The drizzle handle every module uses; the same type on PGlite and postgres.js. */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** Something that runs SQL: the database or an open transaction. */
export type Executor = Db | Tx;

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * Which of the hub's connection sets runs a statement: `main` (everything), `live` (live feeds'
 * batch loads), `replica` (list, count and stats reads on the read replica, when there is one).
 */
export type PoolName = 'main' | 'live' | 'replica';

/**
 * Told when a statement is sent (its pool and text); the function it returns is called when the
 * statement is answered, with the error if it failed. Metrics count statements with it, traces
 * make a span of each.
 */
export type StatementObserver = (pool: PoolName, text: string) => (error?: unknown) => void;

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Db;
  /**
   * For short reads that must not queue behind the main pool's transactions (an ingest holds
   * its connection while it waits for the audit chain): live feeds load their batches here.
   * On a server its own two connections; on PGlite the same handle as `db`.
   */
  readonly liveDb: Db;
  /**
   * LISTEN on a channel; the returned function stops listening. `onListen` runs each time the
   * LISTEN is (re)established: after the first time, notifications may have been missed.
   */
  listen(channel: string, onPayload: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  /** How many connections each pool may open (`replica` only with a replica). */
  readonly poolSizes: Readonly<Partial<Record<PoolName, number>>>;
  /**
   * The read replica (DATABASE_REPLICA_URL, server only): where list, count and stats reads go
   * when it has replayed the caller's writes (src/platform/db/replica.ts). Undefined without one.
   */
  readonly replica?: ReplicaReads<Db> | undefined;
  /** Sets who is told of every statement `db` and `liveDb` send (the hub's metrics and traces); `undefined` stops it. */
  observe(observer: StatementObserver | undefined): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = new URL('../../../migrations', import.meta.url).pathname;

/** Arbitrary but fixed: serialises migrations when several hub processes start on one server. */
const MIGRATION_LOCK_KEY = 7_320_613;

interface OpenEmbeddedOptions {
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
  const watch: { observer?: StatementObserver | undefined } = {};
  const db = drizzlePglite(observedPglite(pglite, watch)) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    liveDb: db,
    pglite,
    poolSizes: { main: 1, live: 1 },
    observe(observer) {
      watch.observer = observer;
    },
    async listen(channel, onPayload, onListen) {
      // In-process: the LISTEN is never lost.
      const stop = await pglite.listen(channel, onPayload);
      onListen?.();
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

interface OpenServerOptions {
  url: string;
  /** Pool size; postgres.js opens connections lazily. */
  max?: number;
  /** PostgreSQL's statement_timeout on every connection of the pool, in milliseconds; absent → the server's. */
  statementTimeoutMs?: number;
  /** Called for every statement sent (postgres.js `debug`): tests count statements with it. */
  onStatement?: (query: string) => void;
  /** A streaming replica of `url` that list, count and stats reads may go to (DATABASE_REPLICA_URL). */
  replica?: { url: string; settings: ReplicaSettings; warn?: (message: string) => void };
}

/**
 * How long opening a connection may take before the statement waiting for it fails
 * (postgres.js' default is 30 s): a database behind a dead network fails requests in seconds.
 */
const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * The wait before a connection that failed is opened again, in seconds: doubling from 50 ms up
 * to 1 s. postgres.js' own backoff grows to 20 s, and every statement sent meanwhile waits for
 * it: after a 10 s outage requests hung for up to 18 s, and the hub came back that late.
 */
export function reconnectDelay(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1);
}

/** The connection options of every pool on a server (the LISTEN connection inherits the main pool's). */
const CONNECTING = { connect_timeout: CONNECT_TIMEOUT_SECONDS, backoff: reconnectDelay } as const;

export async function openServer(options: OpenServerOptions): Promise<Database & { sql: postgres.Sql; url: string }> {
  const max = options.max ?? 10;
  const watch: { observer?: StatementObserver | undefined } = {};
  const sql = postgres(options.url, {
    max,
    ...CONNECTING,
    onnotice: () => {},
    connection: { application_name: 'gridhub', ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}) },
    ...(options.onStatement ? { debug: (_connection: number, query: string) => options.onStatement?.(query) } : {}),
  });
  const db = drizzlePostgres(preparing(sql, { prepare: true, pool: 'main', watch })) as unknown as Db;
  // Connections are opened on first use: a hub without live subscribers never opens these.
  const liveSql = postgres(options.url, { max: LIVE_POOL_SIZE, ...CONNECTING, onnotice: () => {}, connection: { application_name: 'gridhub-live' } });
  const replica = options.replica ? await openReplica(options.replica, sql, max, options.statementTimeoutMs, watch) : undefined;
  return {
    kind: 'postgres',
    db,
    liveDb: drizzlePostgres(preparing(liveSql, { prepare: false, pool: 'live', watch })) as unknown as Db,
    sql,
    url: options.url,
    replica,
    poolSizes: { main: max, live: LIVE_POOL_SIZE, ...(replica ? { replica: max } : {}) },
    observe(observer) {
      watch.observer = observer;
    },
    async listen(channel, onPayload, onListen) {
      // postgres.js keeps one dedicated connection for LISTEN and re-listens after it reconnects
      // (calling onListen again each time).
      const meta = await sql.listen(channel, onPayload, onListen);
      return async () => {
        await meta.unlisten();
      };
    },
    async ping() {
      await sql`select 1`;
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), liveSql.end({ timeout: 5 }), replica?.close()]);
    },
  };
}

/**
 * drizzle sends every statement unnamed, so Postgres parses and plans it on every execution,
 * and postgres.js, to learn an unnamed statement's parameter types, sends it in two round trips
 * (parse and describe, wait, then bind and execute), which also stops it pipelining the
 * statements queued behind. Through this client statements are prepared instead, outside
 * transactions and inside them (and their savepoints): postgres.js names each distinct text
 * once per connection and reuses it, one round trip each time after the first (an ingest
 * batch's transaction sends a dozen statements, of the same texts every time).
 * Filters reach the record tables as equalities on a tier's code column (never a LIKE on a
 * parameter), so the generic plan Postgres may settle on after five executions is the same
 * index range scan. A list of values in `inArray` makes one text per length; the hot ones (a
 * batch's units, its records stored before) go as one array parameter instead (`anyText`).
 */
function preparing<S extends postgres.Sql | postgres.TransactionSql>(sql: S, how: SqlWrapping): S {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) => {
          const settings = how.prepare ? { ...options, prepare: true } : (options ?? {});
          const pending = how.fallback ? withFallback(target as postgres.Sql, how.fallback, query, parameters, settings) : target.unsafe(query, parameters, settings);
          const observer = how.watch.observer;
          return observer ? whenSettled(pending, observer(how.pool, query)) : pending;
        };
      }
      if (property === 'begin' || property === 'savepoint') {
        const open = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: postgres.TransactionSql) => unknown;
          // No replica statement runs in a transaction; a transaction's statements never change server.
          return open.call(target, ...args, (tx: postgres.TransactionSql) => body(preparing(tx, { ...how, fallback: undefined })));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** How the main pool's and the live pool's clients are wrapped. */
interface SqlWrapping {
  /** Statements are prepared (the main pool; see `preparing`). */
  readonly prepare: boolean;
  readonly pool: PoolName;
  /** The observer of the moment (set by `Database.observe`). */
  readonly watch: { observer?: StatementObserver | undefined };
  /** The replica's pool: a statement it cannot answer is sent to this one (the primary's) instead. */
  readonly fallback?: { sql: postgres.Sql; onFailure: (error: unknown) => void };
}

/**
 * The replica's pool, its statements prepared like the main pool's, and the sampling of its
 * position started. Its connections get the same statement_timeout.
 */
async function openReplica(
  options: NonNullable<OpenServerOptions['replica']>,
  primarySql: postgres.Sql,
  max: number,
  statementTimeoutMs: number | undefined,
  watch: SqlWrapping['watch'],
): Promise<ReplicaReads<Db>> {
  const replicaSql = postgres(options.url, {
    max,
    ...CONNECTING,
    onnotice: () => {},
    connection: { application_name: 'gridhub-replica', ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}) },
  });
  const holder: { reads?: ReplicaReads<Db> } = {};
  const fallback = { sql: primarySql, onFailure: (error: unknown) => holder.reads?.markDown(error) };
  const db = drizzlePostgres(preparing(replicaSql, { prepare: true, pool: 'replica', watch, fallback })) as unknown as Db;
  const reads = new ReplicaReads(db, replicaSql, primarySql, options.settings, options.warn);
  holder.reads = reads;
  await reads.start();
  return reads;
}

/**
 * A statement the replica could not answer because it is unreachable, or because replaying the
 * primary's WAL cancelled it (40001, "conflict with recovery"): the primary answers it.
 */
function replicaFailure(error: unknown): boolean {
  return isDatabaseUnavailable(error) || (error as { code?: unknown } | null)?.code === '40001';
}

/**
 * A replica statement as postgres.js' lazy query looks to drizzle (awaited, or `.values()`),
 * sent again to the primary when the replica fails it (`replicaFailure`).
 */
function withFallback(
  replica: postgres.Sql,
  fallback: NonNullable<SqlWrapping['fallback']>,
  query: string,
  parameters: postgres.ParameterOrJSON<never>[] | undefined,
  options: postgres.UnsafeQueryOptions,
): PromiseLike<unknown> & { values(): PromiseLike<unknown> } {
  const send = (sql: postgres.Sql, values: boolean) => {
    const pending = sql.unsafe(query, parameters, options);
    return values ? pending.values() : pending;
  };
  const run = async (values: boolean): Promise<unknown> => {
    try {
      return await send(replica, values);
    } catch (error) {
      if (!replicaFailure(error)) throw error;
      fallback.onFailure(error);
      return await send(fallback.sql, values);
    }
  };
  // Like postgres.js' own query, `values()` returns the query itself: the statement observer
  // wraps its `then` (whenSettled), which must see the awaiting of either form.
  let asValues = false;
  const pending = {
    then: <A = unknown, B = never>(onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null) =>
      run(asValues).then(onFulfilled, onRejected),
    values() {
      asValues = true;
      return pending;
    },
  };
  return pending;
}

/** The live feeds' own connections on a server. */
const LIVE_POOL_SIZE = 2;

/**
 * Calls `end` when a postgres.js query settles. Its query is lazy: it is sent when first awaited
 * (`then`), so `then` is wrapped on this one object rather than the query awaited here.
 */
function whenSettled<Q extends PromiseLike<unknown>>(pending: Q, end: (error?: unknown) => void): Q {
  const then = pending.then;
  let observed = false;
  Object.defineProperty(pending, 'then', {
    configurable: true,
    value(this: Q, onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
      if (observed) return then.call(this, onFulfilled, onRejected);
      observed = true;
      return then.call(
        this,
        (value) => {
          end();
          return onFulfilled ? onFulfilled(value) : value;
        },
        (error: unknown) => {
          end(error ?? new Error('statement failed'));
          if (onRejected) return onRejected(error);
          throw error;
        },
      );
    },
  });
  return pending;
}

/**
 * The PGlite handle drizzle is given: each `query` (outside and inside transactions) told to the
 * observer of the moment. Methods are bound to PGlite itself (it keeps private state).
 */
function observedPglite<P extends object>(pglite: P, watch: { observer?: StatementObserver | undefined }): P {
  return new Proxy(pglite, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'query') {
        return async (...args: unknown[]) => {
          const end = watch.observer?.('main', String(args[0]));
          try {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            end?.();
            return result;
          } catch (error) {
            end?.(error ?? new Error('statement failed'));
            throw error;
          }
        };
      }
      if (property === 'transaction') {
        return (body: (tx: object) => unknown) => (value as (b: (tx: object) => unknown) => unknown).call(target, (tx: object) => body(observedPglite(tx, watch)));
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
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
