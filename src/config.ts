import { resolve } from 'node:path';

/**
 * Terminology
 * - embedded: no `DATABASE_URL`; the hub runs on PGlite in `DATA_DIR` and seeds demo data
 *   into an empty database.
 * - server: `DATABASE_URL` names a PostgreSQL server; nothing is seeded unless asked.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Absent → embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Absent → on embedded, generated once into `dataDir`; on a server, the hub refuses to start. */
  readonly jwtSecret: string | undefined;
  /** `development` shows unexpected error messages to clients; anything else masks them. */
  readonly env: 'development' | 'production' | 'test';
  /** Deepest selection a query may have before it is refused with QUERY_TOO_COMPLEX. */
  readonly maxQueryDepth: number;
  readonly logLevel: 'silent' | 'info';
  /**
   * How many undelivered events a live subscription may have queued; past it the client is too
   * slow and its WebSocket is closed with 4429 (`LIVE_QUEUE_CAPACITY`, default 5000). A batch's
   * events are queued at once, so this must exceed a burst: five full ingest batches (1,000 each).
   */
  readonly liveQueueCapacity: number;
  /**
   * Seconds between two runs of the device-silence sweeper on this process (`DEVICE_SWEEP_SECONDS`,
   * default 60). 0: this process never sweeps (another one on the same database does).
   */
  readonly deviceSweepSeconds: number;
  /**
   * How many heartbeat intervals a device may stay silent before it is OFFLINE
   * (`DEVICE_SILENCE_GRACE`, default 3, at least 1).
   */
  readonly deviceSilenceGrace: number;
  /**
   * How often (seconds, real time) the weekly analysis-report run looks whether a week has ended
   * by the hub's clock and a street still lacks its report; 0 turns the run off in this process.
   */
  readonly reportScheduleSeconds: number;
  /** Seconds between SLA sweeps of overdue cases on this process (CASE_SWEEP_SECONDS, default 60); 0 → none. */
  readonly caseSweepSeconds: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function intFrom(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function graceFrom(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1 || value > 100) throw new ConfigError(`DEVICE_SILENCE_GRACE must be a number from 1 to 100, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env['NODE_ENV'] === 'development' ? 'development' : env['NODE_ENV'] === 'test' ? 'test' : 'production';
  return {
    port: intFrom('PORT', env['PORT'], 4000),
    host: env['HOST'] || '0.0.0.0',
    dataDir: resolve(env['DATA_DIR'] || './data'),
    databaseUrl: env['DATABASE_URL'] || undefined,
    jwtSecret: env['JWT_SECRET'] || undefined,
    env: nodeEnv,
    maxQueryDepth: intFrom('MAX_QUERY_DEPTH', env['MAX_QUERY_DEPTH'], 8),
    logLevel: env['LOG_LEVEL'] === 'silent' ? 'silent' : 'info',
    liveQueueCapacity: Math.max(1, intFrom('LIVE_QUEUE_CAPACITY', env['LIVE_QUEUE_CAPACITY'], 5000)),
    deviceSweepSeconds: intFrom('DEVICE_SWEEP_SECONDS', env['DEVICE_SWEEP_SECONDS'], 60),
    deviceSilenceGrace: graceFrom(env['DEVICE_SILENCE_GRACE']),
    reportScheduleSeconds: intFrom('REPORT_SCHEDULE_SECONDS', env['REPORT_SCHEDULE_SECONDS'], 60),
    caseSweepSeconds: intFrom('CASE_SWEEP_SECONDS', env['CASE_SWEEP_SECONDS'], 60),
  };
}
