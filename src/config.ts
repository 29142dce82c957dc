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
  /**
   * The hub's address as residents' phones reach it (`PUBLIC_URL`, default
   * `http://localhost:<PORT>`), without a trailing slash: the base of the submit-page URL that
   * channel QR codes carry. Set it to the intranet or public name before printing posters.
   */
  readonly publicUrl: string;
  /**
   * Express's 'trust proxy' (`TRUST_PROXY`): which hops in front of the hub may state the client's
   * address in `X-Forwarded-For`. Unset or `false`: none (the client is the TCP peer); `true`:
   * every hop; a number: that many hops; anything else: addresses, subnets or names such as
   * `loopback`, comma-separated. The client address is what resident rate limits count by.
   */
  readonly trustProxy: boolean | number | string;
  /** Resident submissions one channel accepts per hour (`RESIDENT_RATE_PER_CHANNEL`, default 120). */
  readonly residentRatePerChannel: number;
  /** Resident submissions and ratings one client address may make per 10 minutes (`RESIDENT_RATE_PER_CLIENT`, default 10). */
  readonly residentRatePerClient: number;
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

function publicUrlFrom(raw: string | undefined, port: number): string {
  if (raw === undefined || raw.trim() === '') return `http://localhost:${port}`;
  const url = URL.canParse(raw.trim()) ? new URL(raw.trim()) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`PUBLIC_URL must be an http:// or https:// address without query, fragment or credentials, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

function trustProxyFrom(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function positiveFrom(name: string, raw: string | undefined, fallback: number): number {
  const value = intFrom(name, raw, fallback);
  if (value < 1) throw new ConfigError(`${name} must be at least 1, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env['NODE_ENV'] === 'development' ? 'development' : env['NODE_ENV'] === 'test' ? 'test' : 'production';
  const port = intFrom('PORT', env['PORT'], 4000);
  return {
    port,
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
    publicUrl: publicUrlFrom(env['PUBLIC_URL'], port),
    trustProxy: trustProxyFrom(env['TRUST_PROXY']),
    residentRatePerChannel: positiveFrom('RESIDENT_RATE_PER_CHANNEL', env['RESIDENT_RATE_PER_CHANNEL'], 120),
    residentRatePerClient: positiveFrom('RESIDENT_RATE_PER_CLIENT', env['RESIDENT_RATE_PER_CLIENT'], 10),
  };
}
