import type { Config } from './config.js';
import type { Clock, Hub, Logger } from './platform/context.js';
import { acquireDataDirLock } from './platform/db/lock.js';
import { applyMigrations, embeddedDir, openEmbedded, openServer, type Database } from './platform/db/database.js';
import { resolveJwtSecret } from './platform/auth/secret.js';
import { createLogger } from './platform/log.js';
import { createHub } from './hub.js';
import { createSchema } from './schema.js';
import { issuerKeys } from './context.js';
import { accessCache, accessRegistry } from './access.js';
import { listenAll } from './platform/pubsub/live-feed.js';
import { liveLogPrune } from './platform/pubsub/live-prune.js';
import { bindPort, startServer, type BoundPort, type RunningServer } from './server/index.js';
import { isEmpty, seedDemo, seedWeeklyReports, type SeedSummary } from './seed/demo.js';
import { copyTemplate, findTemplate, saveTemplate, shiftDemo, templateKey, type DemoTemplate } from './seed/demo-template.js';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { demoHeartbeats } from './seed/demo-heartbeats.js';
import type { HubModule } from './platform/module.js';
import { startJobs } from './platform/scheduler.js';
import { MODULES } from './modules/index.js';
import { startTracing } from './platform/tracing.js';
import type { Tracer } from '@opentelemetry/api';

export interface HubHandle {
  readonly hub: Hub;
  readonly server: RunningServer;
  readonly database: Database;
  /** What was seeded at start, if anything. */
  readonly seeded: SeedSummary | undefined;
  /** Whether the demo sign-in exists on this hub (GraphiQL's "Demo sign-in"). */
  readonly demoSignIn: boolean;
  close(): Promise<void>;
}

export interface RunOptions {
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  clock?: Clock;
  log?: Logger;
  /** The modules the hub runs (tests add one that joins a hook point); default: src/modules/index.ts. */
  modules?: readonly HubModule[];
  /**
   * Whether the database holds the embedded demo's data (the demo sign-in needs it). The hub
   * decides for its own embedded database; a test that brings a database seeded with the demo
   * says so here. Either way never in production (Config.demoSignInAllowed).
   */
  demoData?: boolean;
  /** Traces with this tracer (tests: an in-memory exporter); otherwise as the config says (OTEL_EXPORTER_OTLP_ENDPOINT). */
  tracer?: Tracer;
}

/**
 * Opens the database the config names: PGlite in DATA_DIR (locked), or the server of
 * DATABASE_URL. `readReplica`: with DATABASE_REPLICA_URL, reads may go to that replica too (the
 * hub's serving; the other commands only use the primary); its failures are logged there.
 */
export async function openDatabase(config: Config, readReplica?: { log: Logger }): Promise<{ database: Database; release: () => void }> {
  if (config.databaseUrl) {
    const replica = readReplica ? config.replica : undefined;
    const database = await openServer({
      url: config.databaseUrl,
      statementTimeoutMs: config.limits.statementTimeoutSeconds * 1000,
      ...(replica ? { replica: { url: replica.url, settings: replica, warn: (message: string) => readReplica?.log.error(message) } } : {}),
    });
    return { database, release: () => {} };
  }
  const release = acquireDataDirLock(config.dataDir);
  try {
    return { database: await openEmbedded({ dir: embeddedDir(config.dataDir) }), release };
  } catch (error) {
    release();
    throw error;
  }
}

interface ServeDatabase {
  database: Database;
  release: () => void;
  /** A fresh DATA_DIR that was loaded from this template (its times still the template's). */
  template?: DemoTemplate;
  /** A fresh DATA_DIR with no template yet: once seeded, it becomes the template of this key. */
  makeTemplate?: { pglite: PGlite; dir: string; cacheDir: string; key: string };
}

/**
 * The database `serve` runs on. A fresh embedded DATA_DIR that gets the demo starts from the
 * cached template of the current migrations and seed when there is one (src/seed/demo-template.ts).
 */
async function openServeDatabase(config: Config, log: Logger): Promise<ServeDatabase> {
  const cacheDir = config.templateCacheDir;
  const dir = embeddedDir(config.dataDir);
  if (config.databaseUrl || !config.demo || !cacheDir || existsSync(join(dir, 'PG_VERSION'))) return openDatabase(config, { log });
  const key = templateKey();
  const template = findTemplate(cacheDir, key);
  const release = acquireDataDirLock(config.dataDir);
  try {
    if (template) {
      try {
        copyTemplate(template, dir);
        return { database: await openEmbedded({ dir }), release, template };
      } catch (error) {
        log.info(`the demo template ${template.dir} could not be loaded (${String(error)}): seeding instead`);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const database = await openEmbedded({ dir });
    return { database, release, makeTemplate: { pglite: database.pglite, dir, cacheDir, key } };
  } catch (error) {
    release();
    throw error;
  }
}

/** The embedded demo on a fresh or empty database: from the template, or seeded (and then made the template). */
async function startDemo(opened: ServeDatabase, now: Date, log: Logger): Promise<SeedSummary | undefined> {
  const { db } = opened.database;
  if (opened.template) {
    await shiftDemo(db, new Date(opened.template.meta.seededAt), now);
    return opened.template.meta.summary;
  }
  if (!(await isEmpty(db))) return undefined;
  const seeded = await seedDemo(db, { now });
  const make = opened.makeTemplate;
  if (make) {
    // A cache that cannot be written costs the next fresh start its speed, nothing else.
    await saveTemplate(make.pglite, make.dir, make.cacheDir, make.key, { seededAt: now.toISOString(), summary: seeded }).catch((error: unknown) =>
      log.info(`the demo template could not be written to ${make.cacheDir}: ${String(error)}`),
    );
  }
  return seeded;
}

/**
 * Starts a hub: migrations applied; on the embedded database an empty one gets the demo data
 * (unless DEMO=off);
 * then HTTP, GraphQL and WebSocket on one port, and the modules' periodic jobs.
 */
export async function runHub(config: Config, options: RunOptions = {}): Promise<HubHandle> {
  const log = options.log ?? createLogger(config.logLevel);
  const jwtSecret = resolveJwtSecret(config);
  const opened: ServeDatabase = options.database ? { database: options.database, release: () => {} } : await openServeDatabase(config, log);
  const { database } = opened;
  let bound: BoundPort | undefined;
  try {
    await applyMigrations(database);
    let seeded: SeedSummary | undefined;
    // The embedded demo (never a test's database, never a server, never with DEMO=off).
    const demo = config.demo && database.kind === 'pglite' && !options.database;
    const now = (options.clock ?? { now: () => new Date() }).now();
    if (demo) seeded = await startDemo(opened, now, log);
    const modules: readonly HubModule[] = options.modules ?? MODULES;
    const schema = await createSchema(modules);
    bound = await bindPort(config.port, config.host, config.trustProxy);
    // PORT=0 (tests) with no PUBLIC_URL: the default public URL names the port the server got.
    const hubConfig = config.port === 0 && config.publicUrl === 'http://localhost:0' ? { ...config, publicUrl: bound.url } : config;
    const tracing = options.tracer ? undefined : config.tracing ? startTracing(process.env) : undefined;
    const tracer = options.tracer ?? tracing?.tracer;
    const hub = createHub({ config: hubConfig, database, jwtSecret, log, modules, tracer, ...(options.clock ? { clock: options.clock } : {}) });
    if (tracing) hub.onClose(() => tracing.shutdown());
    // The identity provider's keys are fetched now, in the background: a provider that is down
    // delays nothing (local tokens and API keys work; its tokens wait for it).
    void hub.singles.of(issuerKeys)?.warm();
    // The embedded demo's seeded devices stay alive, and it offers the demo sign-in unless the
    // config forbids it (NODE_ENV=production, LOCAL_TOKENS=off, DEMO=off).
    const demoSignIn = config.demoSignInAllowed && config.demo && (options.demoData ?? demo);
    // Every live topic's LISTEN, and the access cache's, in place before a connection is accepted.
    hub.singles.of(accessCache);
    hub.singles.of(accessRegistry);
    await listenAll(
      modules.flatMap((module) => module.live ?? []).map((feed) => hub.singles.of(feed)),
      hub.log,
    );
    const server = await startServer(hub, schema, bound, { demoSignIn });
    // From a template: the demo's weekly reports, for the last week ended before now, made while it serves.
    if (opened.template) void seedWeeklyReports(database.db, now).catch((error: unknown) => hub.log.info(`the demo's weekly reports were not made: ${String(error)}`));
    hub.onClose(startJobs(hub, [...modules.flatMap((module) => module.jobs ?? []), liveLogPrune, ...(demo ? [demoHeartbeats] : [])]));
    let closing: Promise<void> | undefined;
    return {
      hub,
      server,
      database,
      seeded,
      demoSignIn,
      close() {
        closing ??= (async () => {
          await server.close();
          await hub.close();
          if (!options.database) await database.close();
          opened.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await bound?.close();
    if (!options.database) await database.close().catch(() => {});
    opened.release();
    throw error;
  }
}
