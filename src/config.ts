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
   * How many days of live events are kept for `after` cursors (`LIVE_REPLAY_DAYS`, default 7):
   * older ones are pruned hourly, and a cursor before them is refused with CURSOR_EXPIRED.
   */
  readonly liveReplayDays: number;
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
  /**
   * Origins (`https://dept.example.gov.cn`) of browser front ends allowed to call the hub from
   * their own pages (`CORS_ORIGINS`, comma-separated; none by default). The Open311 facade
   * accepts POSTs from these pages and the hub's own, and refuses them from any other.
   */
  readonly corsOrigins: readonly string[];
  /** Resident submissions one channel accepts per hour (`RESIDENT_RATE_PER_CHANNEL`, default 120). */
  readonly residentRatePerChannel: number;
  /** Resident submissions and ratings one client address may make per 10 minutes (`RESIDENT_RATE_PER_CLIENT`, default 10). */
  readonly residentRatePerClient: number;
  /** The identity provider (OIDC_*); undefined → only local tokens and API keys sign in. */
  readonly oidc: OidcConfig | undefined;
  /**
   * Whether local tokens (HS256 signed with JWT_SECRET: `gridhub token`, the demo sign-in) are
   * accepted (`LOCAL_TOKENS`, default on; `off` refuses them once people sign in through OIDC).
   */
  readonly localTokens: boolean;
  /**
   * Whether the demo sign-in may exist: never with `NODE_ENV=production` set, nor with
   * LOCAL_TOKENS=off. It exists only on a hub that runs the embedded demo data as well.
   */
  readonly demoSignInAllowed: boolean;
  /**
   * Map tiles the operator serves for the board's map (`BOARD_TILE_URL`): an http(s) template with
   * `{z}`, `{x}` and `{y}` (Web Mercator, 256 px). Unset: the map draws on its offline base only.
   */
  readonly boardTileUrl: string | undefined;
}

/**
 * The government's identity provider (OpenID Connect), when `OIDC_ISSUER` is set: bearer
 * tokens it signs are accepted beside local ones, and GraphiQL offers "Sign in" when
 * `OIDC_CLIENT_ID` is set too (docs/sign-in.md).
 */
export interface OidcConfig {
  /** `OIDC_ISSUER`: the provider's issuer, exactly as its discovery document and its tokens' `iss` say it. */
  readonly issuer: string;
  /** `OIDC_AUDIENCE` (required with OIDC_ISSUER): what a token's `aud` must contain to be meant for this hub. */
  readonly audience: string;
  /** `OIDC_PRINCIPAL_CLAIM` (default `preferred_username`): the claim whose value names the principal. */
  readonly principalClaim: string;
  /** `OIDC_CLIENT_ID`: the public client browsers sign in as (authorization code with PKCE); unset → no Sign in button. */
  readonly clientId: string | undefined;
  /** `OIDC_SCOPE` (default `openid profile`): the scopes a browser sign-in asks for. */
  readonly scope: string;
  /** `OIDC_RESOURCE`: a resource indicator (RFC 8707) a browser sign-in sends, for providers that mint access tokens per resource. */
  readonly resource: string | undefined;
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

function originsFrom(raw: string | undefined): string[] {
  const items = (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return items.map((item) => {
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/$/, '')) {
      throw new ConfigError(`CORS_ORIGINS must list origins such as https://dept.example.gov.cn (scheme, host and port only), got "${item}"`);
    }
    return url.origin;
  });
}

function positiveFrom(name: string, raw: string | undefined, fallback: number): number {
  const value = intFrom(name, raw, fallback);
  if (value < 1) throw new ConfigError(`${name} must be at least 1, got "${raw}"`);
  return value;
}

function urlSetting(name: string, raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${name} must be an http:// or https:// address without query, fragment or credentials, got "${raw}"`);
  }
  return raw;
}

function oidcFrom(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const issuer = env['OIDC_ISSUER']?.trim();
  if (!issuer) {
    const stray = ['OIDC_AUDIENCE', 'OIDC_CLIENT_ID', 'OIDC_PRINCIPAL_CLAIM'].filter((name) => env[name]?.trim());
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set without OIDC_ISSUER`);
    return undefined;
  }
  const audience = env['OIDC_AUDIENCE']?.trim();
  if (!audience) throw new ConfigError("OIDC_AUDIENCE must be set with OIDC_ISSUER: the value a token's aud must contain to be meant for this hub");
  const resource = env['OIDC_RESOURCE']?.trim() || undefined;
  return {
    issuer: urlSetting('OIDC_ISSUER', issuer),
    audience,
    principalClaim: env['OIDC_PRINCIPAL_CLAIM']?.trim() || 'preferred_username',
    clientId: env['OIDC_CLIENT_ID']?.trim() || undefined,
    scope: env['OIDC_SCOPE']?.trim() || 'openid profile',
    resource: resource === undefined ? undefined : urlSetting('OIDC_RESOURCE', resource),
  };
}

function tileUrlFrom(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const sample = value.replace('{z}', '1').replace('{x}', '1').replace('{y}', '1');
  const url = URL.canParse(sample) ? new URL(sample) : undefined;
  const placeholders = ['{z}', '{x}', '{y}'].every((part) => value.includes(part));
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !placeholders || /[\s"'<>]/.test(value)) {
    throw new ConfigError(`BOARD_TILE_URL must be an http:// or https:// template with {z}, {x} and {y}, without credentials, got "${raw}"`);
  }
  return value;
}

function localTokensFrom(raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`LOCAL_TOKENS must be on or off, got "${raw}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env['NODE_ENV'] === 'development' ? 'development' : env['NODE_ENV'] === 'test' ? 'test' : 'production';
  const port = intFrom('PORT', env['PORT'], 4000);
  const localTokens = localTokensFrom(env['LOCAL_TOKENS']);
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
    liveReplayDays: Math.max(1, intFrom('LIVE_REPLAY_DAYS', env['LIVE_REPLAY_DAYS'], 7)),
    deviceSweepSeconds: intFrom('DEVICE_SWEEP_SECONDS', env['DEVICE_SWEEP_SECONDS'], 60),
    deviceSilenceGrace: graceFrom(env['DEVICE_SILENCE_GRACE']),
    reportScheduleSeconds: intFrom('REPORT_SCHEDULE_SECONDS', env['REPORT_SCHEDULE_SECONDS'], 60),
    caseSweepSeconds: intFrom('CASE_SWEEP_SECONDS', env['CASE_SWEEP_SECONDS'], 60),
    publicUrl: publicUrlFrom(env['PUBLIC_URL'], port),
    trustProxy: trustProxyFrom(env['TRUST_PROXY']),
    corsOrigins: originsFrom(env['CORS_ORIGINS']),
    residentRatePerChannel: positiveFrom('RESIDENT_RATE_PER_CHANNEL', env['RESIDENT_RATE_PER_CHANNEL'], 120),
    residentRatePerClient: positiveFrom('RESIDENT_RATE_PER_CLIENT', env['RESIDENT_RATE_PER_CLIENT'], 10),
    oidc: oidcFrom(env),
    localTokens,
    demoSignInAllowed: env['NODE_ENV'] !== 'production' && localTokens,
    boardTileUrl: tileUrlFrom(env['BOARD_TILE_URL']),
  };
}
