import type { Config } from './config.js';
import type { Clock, Hub, Logger } from './platform/context.js';
import { acquireDataDirLock } from './platform/db/lock.js';
import { applyMigrations, embeddedDir, openEmbedded, openServer, type Database } from './platform/db/database.js';
import { resolveJwtSecret } from './platform/auth/secret.js';
import { createLogger } from './platform/log.js';
import { createHub } from './hub.js';
import { createSchema } from './schema.js';
import { startServer, type RunningServer } from './server/index.js';
import { isEmpty, seedDemo, type SeedSummary } from './seed/demo.js';
import { weeklyReports } from './modules/reports/index.js';
import { startWatchdog } from './modules/watchdog/index.js';
import { startDemoHeartbeats } from './seed/demo-heartbeats.js';
import { alertHooks } from './modules/alerts/index.js';
import { openCasesForAlerts, requestCaseLink, startCaseSweeper } from './modules/cases/index.js';
import { requestHooks } from './modules/requests/index.js';

export interface HubHandle {
  readonly hub: Hub;
  readonly server: RunningServer;
  readonly database: Database;
  /** What was seeded at start, if anything. */
  readonly seeded: SeedSummary | undefined;
  close(): Promise<void>;
}

export interface RunOptions {
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  clock?: Clock;
  log?: Logger;
}

/** Opens the database the config names: PGlite in DATA_DIR (locked), or the server of DATABASE_URL. */
export async function openDatabase(config: Config): Promise<{ database: Database; release: () => void }> {
  if (config.databaseUrl) return { database: await openServer({ url: config.databaseUrl }), release: () => {} };
  const release = acquireDataDirLock(config.dataDir);
  try {
    return { database: await openEmbedded({ dir: embeddedDir(config.dataDir) }), release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Starts a hub: migrations applied; on the embedded database an empty one gets the demo data;
 * then HTTP, GraphQL and WebSocket on one port.
 */
export async function runHub(config: Config, options: RunOptions = {}): Promise<HubHandle> {
  const log = options.log ?? createLogger(config.logLevel);
  const jwtSecret = resolveJwtSecret(config);
  const opened = options.database ? { database: options.database, release: () => {} } : await openDatabase(config);
  const { database } = opened;
  try {
    await applyMigrations(database);
    let seeded: SeedSummary | undefined;
    if (database.kind === 'pglite' && !options.database && (await isEmpty(database.db))) {
      seeded = await seedDemo(database.db, { now: (options.clock ?? { now: () => new Date() }).now() });
    }
    const hub = createHub({ config, database, jwtSecret, log, ...(options.clock ? { clock: options.clock } : {}) });
    // Cases open from ingested alerts in the alerts' own transaction; overdue cases escalate.
    hub.single(alertHooks).afterInsert.push(openCasesForAlerts);
    // Resident requests reach the case opened from them (closing, rating) through this link.
    hub.single(requestHooks).caseLink = requestCaseLink;
    hub.onClose(startCaseSweeper(hub, config.caseSweepSeconds));
    const server = await startServer(hub, await createSchema(), config.port, config.host);
    // PORT=0 (tests) with no PUBLIC_URL: the default public URL names the port the server got.
    if (config.port === 0 && config.publicUrl === 'http://localhost:0') Object.assign(hub, { config: { ...config, publicUrl: server.url } });
    const reportRun = hub.single(weeklyReports);
    reportRun.start(config.reportScheduleSeconds * 1000);
    hub.onClose(() => reportRun.stop());
    // The embedded demo (never a test's database, never a server): its seeded devices stay alive.
    if (database.kind === 'pglite' && !options.database) startDemoHeartbeats(hub);
    startWatchdog(hub);
    let closing: Promise<void> | undefined;
    return {
      hub,
      server,
      database,
      seeded,
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
    if (!options.database) await database.close().catch(() => {});
    opened.release();
    throw error;
  }
}
