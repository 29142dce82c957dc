import { fileURLToPath } from 'node:url';
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
  /**
   * `DATABASE_REPLICA_URL`: a streaming replica of `databaseUrl` that list, count and stats
   * reads go to (docs/scaling.md, "Read replicas"); ignored on the embedded database.
   */
  readonly replica: ReplicaConfig | undefined;
  /** Absent → on embedded, generated once into `dataDir`; on a server, the hub refuses to start. */
  readonly jwtSecret: string | undefined;
  /** `development` shows unexpected error messages to clients; anything else masks them. */
  readonly env: 'development' | 'production' | 'test';
  /** Deepest selection a query may have before it is refused with QUERY_TOO_COMPLEX. */
  readonly maxQueryDepth: number;
  readonly logLevel: 'silent' | 'info';
  /**
   * How many undelivered events a live subscription may have queued; past it the client is too
   * slow and its WebSocket is closed with 1013 (`LIVE_QUEUE_CAPACITY`, default 5000). A batch's
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
   * their own pages (`CORS_ORIGINS`, comma-separated; none by default): /graphql answers them
   * with `Access-Control-Allow-*` headers and opens their WebSockets (other origins get no allow
   * header, and their upgrades are refused). The Open311 facade accepts POSTs from these pages
   * and the hub's own, and refuses them from any other.
   */
  readonly corsOrigins: readonly string[];
  /** Resident submissions one channel accepts per hour (`RESIDENT_RATE_PER_CHANNEL`, default 120). */
  readonly residentRatePerChannel: number;
  /** Resident submissions and ratings one client address may make per 10 minutes (`RESIDENT_RATE_PER_CLIENT`, default 10). */
  readonly residentRatePerClient: number;
  /** The limits that keep one caller from stalling the hub (docs/security.md). */
  readonly limits: LimitsConfig;
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
  /**
   * Whether the embedded database gets the Nantong/Chongchuan demo (`DEMO`, default on): an
   * empty one is seeded at start, the demo devices keep beating and the demo sign-in may exist.
   * `DEMO=off` (or `gridhub serve --no-demo`): migrations only; a city starts with
   * `gridhub bootstrap` (docs/directory.md).
   */
  readonly demo: boolean;
  /**
   * Where the embedded demo's template is cached (`TEMPLATE_CACHE_DIR`, default
   * `node_modules/.cache/gridhub` of the installation; `off`: none). A fresh DATA_DIR starts
   * from it instead of initdb, the migrations and the seed (src/seed/demo-template.ts).
   */
  readonly templateCacheDir: string | undefined;
  /**
   * `METRICS_TOKEN`: when set, `GET /metrics` answers only `Authorization: Bearer <token>` (401
   * otherwise); unset, anyone who reaches the port may read the metrics.
   */
  readonly metricsToken: string | undefined;
  /**
   * Whether spans are exported (OTLP over HTTP): `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The
   * exporter reads it and the other standard `OTEL_*` variables itself; unset, nothing is traced.
   */
  readonly tracing: boolean;
  /**
   * `LOG_SLOW_REQUEST_MS` (default 1000): an HTTP request that takes at least this long is logged
   * (`"message":"request"`, with its request id, trace id, operation, route, status and time); 0
   * logs every request.
   * A request answered 5xx is logged whatever its time.
   */
  readonly logSlowRequestMs: number;
  /**
   * The audit log's signed checkpoints (docs/audit.md): `AUDIT_SIGNING_KEY`, an Ed25519 private
   * key (PKCS#8 PEM, or its 32-byte seed in base64) kept outside the database; without it no
   * checkpoint is written. `AUDIT_CHECKPOINT_FILE` (default `<DATA_DIR>/audit-checkpoints.jsonl`)
   * is where they are appended, outside the database; `AUDIT_CHECKPOINT_SECONDS` (default 300)
   * how often (0: never on this process).
   */
  readonly audit: { signingKey: string | undefined; checkpointFile: string; checkpointSeconds: number };
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

/**
 * Every environment variable the hub's configuration reads, with the default `gridhub --help`
 * shows. `loadConfig` reads variables only by these names (`EnvName`), and a unit test checks
 * that it reads each of them: the help cannot leave one out.
 */
export const ENVIRONMENT = [
  { name: 'PORT', value: '4000', about: 'the HTTP and WebSocket port' },
  { name: 'HOST', value: '0.0.0.0', about: 'the address to listen on' },
  { name: 'DATA_DIR', value: './data', about: 'the embedded database and generated secret' },
  { name: 'DATABASE_URL', value: '', about: 'a PostgreSQL server; unset: embedded PGlite' },
  { name: 'DATABASE_REPLICA_URL', value: '', about: 'a streaming replica for list, count and stats reads (server only)' },
  { name: 'REPLICA_MAX_LAG_MS', value: '5000', about: 'replica lag beyond which every read goes to the primary' },
  { name: 'REPLICA_READ_WAIT_MS', value: '100', about: "how long a read waits for the replica to replay the caller's write" },
  { name: 'JWT_SECRET', value: '', about: 'the key local tokens are signed with (required with DATABASE_URL)' },
  { name: 'NODE_ENV', value: '', about: 'development: unexpected errors shown; production: no demo sign-in' },
  { name: 'MAX_QUERY_DEPTH', value: '8', about: 'deepest selection a query may have' },
  { name: 'LOG_LEVEL', value: 'info', about: 'info or silent' },
  { name: 'LIVE_QUEUE_CAPACITY', value: '5000', about: 'undelivered events a live subscription may queue' },
  { name: 'LIVE_REPLAY_DAYS', value: '7', about: 'how long live cursors can be resumed from' },
  { name: 'DEVICE_SWEEP_SECONDS', value: '60', about: 'device-silence sweep interval; 0: none here' },
  { name: 'DEVICE_SILENCE_GRACE', value: '3', about: 'heartbeat intervals a device may miss before OFFLINE' },
  { name: 'REPORT_SCHEDULE_SECONDS', value: '60', about: 'how often the weekly reports are looked for; 0: none here' },
  { name: 'CASE_SWEEP_SECONDS', value: '60', about: 'SLA sweep interval of overdue cases; 0: none here' },
  { name: 'PUBLIC_URL', value: 'http://localhost:<PORT>', about: "the hub's address as residents' phones reach it" },
  { name: 'TRUST_PROXY', value: 'false', about: 'proxies that may state the client address' },
  { name: 'RESIDENT_RATE_PER_CHANNEL', value: '120', about: 'resident submissions per channel and hour' },
  { name: 'RESIDENT_RATE_PER_CLIENT', value: '10', about: 'resident submissions per client address and 10 minutes' },
  { name: 'OIDC_ISSUER', value: '', about: 'the identity provider people sign in through' },
  { name: 'OIDC_AUDIENCE', value: '', about: "what a provider token's aud must contain (required with OIDC_ISSUER)" },
  { name: 'OIDC_PRINCIPAL_CLAIM', value: 'preferred_username', about: 'the claim naming the principal' },
  { name: 'OIDC_CLIENT_ID', value: '', about: "the browsers' public client; unset: no Sign in button" },
  { name: 'OIDC_SCOPE', value: 'openid profile', about: 'the scopes a browser sign-in asks for' },
  { name: 'OIDC_RESOURCE', value: '', about: 'a resource indicator a browser sign-in sends' },
  { name: 'LOCAL_TOKENS', value: 'on', about: 'on or off: whether local tokens sign in' },
  { name: 'CORS_ORIGINS', value: '', about: 'origins of browser front ends allowed to call the hub' },
  { name: 'DEMO', value: 'on', about: 'on or off: the embedded demo data; off: a city of its own (gridhub bootstrap)' },
  { name: 'TEMPLATE_CACHE_DIR', value: 'node_modules/.cache/gridhub', about: 'where the migrated, seeded demo database is cached for fresh DATA_DIRs; off: none' },
  { name: 'BOARD_TILE_URL', value: '', about: "map tiles the operator serves for /board ({z}/{x}/{y})" },
  { name: 'METRICS_TOKEN', value: '', about: 'the bearer token GET /metrics asks for; unset: open' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: '', about: 'where traces are sent (OTLP over HTTP); unset: no tracing' },
  { name: 'LOG_SLOW_REQUEST_MS', value: '1000', about: 'requests at least this slow are logged; 0: every request' },
  { name: 'AUDIT_SIGNING_KEY', value: '', about: "the Ed25519 key that signs the audit chain's checkpoints" },
  { name: 'AUDIT_CHECKPOINT_FILE', value: '<DATA_DIR>/audit-checkpoints.jsonl', about: 'where signed checkpoints are appended' },
  { name: 'AUDIT_CHECKPOINT_SECONDS', value: '300', about: 'seconds between signed checkpoints' },
  { name: 'MAX_QUERY_COST', value: '10000', about: 'the most one operation may cost (first × selection, nested)' },
  { name: 'COST_BUDGET_PER_MINUTE', value: '20000', about: 'cost a principal (anonymous: an address) may spend a minute' },
  { name: 'MAX_ALIASES', value: '30', about: 'aliased fields an operation may have' },
  { name: 'MAX_ROOT_FIELDS', value: '20', about: 'root fields an operation may have' },
  { name: 'MAX_QUERY_TOKENS', value: '15000', about: 'lexical tokens the parser reads before it gives up' },
  { name: 'STATEMENT_TIMEOUT_SECONDS', value: '15', about: "PostgreSQL's statement_timeout (server only)" },
  { name: 'REQUEST_TIMEOUT_SECONDS', value: '30', about: 'an HTTP request still unanswered then gets 503' },
  { name: 'SHUTDOWN_GRACE_SECONDS', value: '10', about: 'on SIGTERM, how long requests in flight may take' },
  { name: 'MAX_TOKEN_TTL_DAYS', value: '30', about: 'the longest gridhub token --ttl signs' },
  { name: 'WS_MAX_PAYLOAD_BYTES', value: '1048576', about: 'the largest WebSocket message read; larger closes with 1009' },
  { name: 'WS_MAX_CONNECTIONS_PER_PRINCIPAL', value: '20', about: 'open WebSocket connections per principal' },
  { name: 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', value: '50', about: 'operations running at once on one connection' },
] as const;

type EnvName = (typeof ENVIRONMENT)[number]['name'];

/** The environment part of `gridhub --help`: one line a variable, its default in brackets. */
export function environmentHelp(): string {
  const lines = ENVIRONMENT.map(({ name, value, about }) => `  ${name.padEnd(26)} ${about}${value ? ` [${value}]` : ''}`);
  return ['Environment (default in brackets; docs/configuration.md):', ...lines].join('\n');
}
type Env = (name: EnvName) => string | undefined;
/**
 * What one request, one caller and one connection may ask of the hub (docs/security.md has the
 * defaults and why). Every limit is on unless set otherwise; none can be turned off.
 */
export interface LimitsConfig {
  /** `MAX_QUERY_COST` (default 10000): the most an operation may cost (platform/graphql/cost.ts); above it QUERY_TOO_COSTLY. */
  readonly maxQueryCost: number;
  /** `COST_BUDGET_PER_MINUTE` (default 20000): cost a principal (anonymous: a client address) may spend per minute; past it RATE_LIMITED. */
  readonly costBudgetPerMinute: number;
  /** `MAX_ALIASES` (default 30): aliased fields per operation; above it QUERY_TOO_COMPLEX. */
  readonly maxAliases: number;
  /** `MAX_ROOT_FIELDS` (default 20): fields at the top of an operation; above it QUERY_TOO_COMPLEX. */
  readonly maxRootFields: number;
  /** `MAX_QUERY_TOKENS` (default 15000): lexical tokens the parser reads before it gives up (QUERY_TOO_COMPLEX). */
  readonly maxQueryTokens: number;
  /** `STATEMENT_TIMEOUT_SECONDS` (default 15): PostgreSQL's statement_timeout on the hub's connections (server only). */
  readonly statementTimeoutSeconds: number;
  /** `REQUEST_TIMEOUT_SECONDS` (default 30): an HTTP request still unanswered then gets 503 SERVICE_UNAVAILABLE. */
  readonly requestTimeoutSeconds: number;
  /** `SHUTDOWN_GRACE_SECONDS` (default 10): on SIGTERM, how long requests in flight may take to finish. */
  readonly shutdownGraceSeconds: number;
  /** `MAX_TOKEN_TTL_DAYS` (default 30): the longest `gridhub token --ttl` signs. */
  readonly maxTokenTtlDays: number;
  /** `WS_MAX_PAYLOAD_BYTES` (default 1048576): the largest WebSocket message the hub reads; larger closes with 1009. */
  readonly wsMaxPayloadBytes: number;
  /** `WS_MAX_CONNECTIONS_PER_PRINCIPAL` (default 20): open WebSocket connections per principal; more close with 4430. */
  readonly wsMaxConnectionsPerPrincipal: number;
  /** `WS_MAX_SUBSCRIPTIONS_PER_CONNECTION` (default 50): operations running at once on one connection; more get RATE_LIMITED. */
  readonly wsMaxSubscriptionsPerConnection: number;
}

/** The read replica (DATABASE_REPLICA_URL) and how far behind it may be. */
export interface ReplicaConfig {
  readonly url: string;
  /** `REPLICA_MAX_LAG_MS` (default 5000): past this lag every read goes to the primary. */
  readonly maxLagMs: number;
  /** `REPLICA_READ_WAIT_MS` (default 100): how long a read after the caller's own write waits for the replica, then reads the primary. */
  readonly waitMs: number;
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

/** The replica's settings; undefined without DATABASE_REPLICA_URL, or without DATABASE_URL (PGlite has no replicas). */
function replicaFrom(env: Env): ReplicaConfig | undefined {
  const url = env('DATABASE_REPLICA_URL')?.trim();
  if (!url || !env('DATABASE_URL')) return undefined;
  return {
    url,
    maxLagMs: positiveFrom('REPLICA_MAX_LAG_MS', env('REPLICA_MAX_LAG_MS'), 5000),
    waitMs: intFrom('REPLICA_READ_WAIT_MS', env('REPLICA_READ_WAIT_MS'), 100),
  };
}

function limitsFrom(env: Env): LimitsConfig {
  const maxQueryCost = positiveFrom('MAX_QUERY_COST', env('MAX_QUERY_COST'), 10_000);
  const costBudgetPerMinute = positiveFrom('COST_BUDGET_PER_MINUTE', env('COST_BUDGET_PER_MINUTE'), 20_000);
  if (costBudgetPerMinute < maxQueryCost) throw new ConfigError(`COST_BUDGET_PER_MINUTE (${costBudgetPerMinute}) must be at least MAX_QUERY_COST (${maxQueryCost}): otherwise the dearest allowed query could never run`);
  return {
    maxQueryCost,
    costBudgetPerMinute,
    maxAliases: intFrom('MAX_ALIASES', env('MAX_ALIASES'), 30),
    maxRootFields: positiveFrom('MAX_ROOT_FIELDS', env('MAX_ROOT_FIELDS'), 20),
    maxQueryTokens: positiveFrom('MAX_QUERY_TOKENS', env('MAX_QUERY_TOKENS'), 15_000),
    statementTimeoutSeconds: positiveFrom('STATEMENT_TIMEOUT_SECONDS', env('STATEMENT_TIMEOUT_SECONDS'), 15),
    requestTimeoutSeconds: positiveFrom('REQUEST_TIMEOUT_SECONDS', env('REQUEST_TIMEOUT_SECONDS'), 30),
    shutdownGraceSeconds: positiveFrom('SHUTDOWN_GRACE_SECONDS', env('SHUTDOWN_GRACE_SECONDS'), 10),
    maxTokenTtlDays: positiveFrom('MAX_TOKEN_TTL_DAYS', env('MAX_TOKEN_TTL_DAYS'), 30),
    wsMaxPayloadBytes: positiveFrom('WS_MAX_PAYLOAD_BYTES', env('WS_MAX_PAYLOAD_BYTES'), 1024 * 1024),
    wsMaxConnectionsPerPrincipal: positiveFrom('WS_MAX_CONNECTIONS_PER_PRINCIPAL', env('WS_MAX_CONNECTIONS_PER_PRINCIPAL'), 20),
    wsMaxSubscriptionsPerConnection: positiveFrom('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', env('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'), 50),
  };
}

function urlSetting(name: string, raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${name} must be an http:// or https:// address without query, fragment or credentials, got "${raw}"`);
  }
  return raw;
}

function oidcFrom(env: Env): OidcConfig | undefined {
  const issuer = env('OIDC_ISSUER')?.trim();
  if (!issuer) {
    const stray = (['OIDC_AUDIENCE', 'OIDC_CLIENT_ID', 'OIDC_PRINCIPAL_CLAIM'] as const).filter((name) => env(name)?.trim());
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set without OIDC_ISSUER`);
    return undefined;
  }
  const audience = env('OIDC_AUDIENCE')?.trim();
  if (!audience) throw new ConfigError("OIDC_AUDIENCE must be set with OIDC_ISSUER: the value a token's aud must contain to be meant for this hub");
  const resource = env('OIDC_RESOURCE')?.trim() || undefined;
  return {
    issuer: urlSetting('OIDC_ISSUER', issuer),
    audience,
    principalClaim: env('OIDC_PRINCIPAL_CLAIM')?.trim() || 'preferred_username',
    clientId: env('OIDC_CLIENT_ID')?.trim() || undefined,
    scope: env('OIDC_SCOPE')?.trim() || 'openid profile',
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

function onOffFrom(name: string, raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

/** TEMPLATE_CACHE_DIR: a directory, `off`, or unset (the installation's node_modules/.cache/gridhub). */
function templateCacheDirFrom(raw: string | undefined): string | undefined {
  if (raw === 'off') return undefined;
  return resolve(raw || fileURLToPath(new URL('../node_modules/.cache/gridhub', import.meta.url)));
}

export function loadConfig(variables: NodeJS.ProcessEnv = process.env): Config {
  const env: Env = (name) => variables[name];
  const nodeEnv = env('NODE_ENV') === 'development' ? 'development' : env('NODE_ENV') === 'test' ? 'test' : 'production';
  const port = intFrom('PORT', env('PORT'), 4000);
  const localTokens = onOffFrom('LOCAL_TOKENS', env('LOCAL_TOKENS'));
  return {
    port,
    host: env('HOST') || '0.0.0.0',
    dataDir: resolve(env('DATA_DIR') || './data'),
    databaseUrl: env('DATABASE_URL') || undefined,
    replica: replicaFrom(env),
    jwtSecret: env('JWT_SECRET') || undefined,
    env: nodeEnv,
    maxQueryDepth: intFrom('MAX_QUERY_DEPTH', env('MAX_QUERY_DEPTH'), 8),
    logLevel: env('LOG_LEVEL') === 'silent' ? 'silent' : 'info',
    liveQueueCapacity: Math.max(1, intFrom('LIVE_QUEUE_CAPACITY', env('LIVE_QUEUE_CAPACITY'), 5000)),
    liveReplayDays: Math.max(1, intFrom('LIVE_REPLAY_DAYS', env('LIVE_REPLAY_DAYS'), 7)),
    deviceSweepSeconds: intFrom('DEVICE_SWEEP_SECONDS', env('DEVICE_SWEEP_SECONDS'), 60),
    deviceSilenceGrace: graceFrom(env('DEVICE_SILENCE_GRACE')),
    reportScheduleSeconds: intFrom('REPORT_SCHEDULE_SECONDS', env('REPORT_SCHEDULE_SECONDS'), 60),
    caseSweepSeconds: intFrom('CASE_SWEEP_SECONDS', env('CASE_SWEEP_SECONDS'), 60),
    publicUrl: publicUrlFrom(env('PUBLIC_URL'), port),
    trustProxy: trustProxyFrom(env('TRUST_PROXY')),
    corsOrigins: originsFrom(env('CORS_ORIGINS')),
    residentRatePerChannel: positiveFrom('RESIDENT_RATE_PER_CHANNEL', env('RESIDENT_RATE_PER_CHANNEL'), 120),
    residentRatePerClient: positiveFrom('RESIDENT_RATE_PER_CLIENT', env('RESIDENT_RATE_PER_CLIENT'), 10),
    limits: limitsFrom(env),
    oidc: oidcFrom(env),
    localTokens,
    demoSignInAllowed: env('NODE_ENV') !== 'production' && localTokens,
    boardTileUrl: tileUrlFrom(env('BOARD_TILE_URL')),
    demo: onOffFrom('DEMO', env('DEMO')),
    templateCacheDir: templateCacheDirFrom(env('TEMPLATE_CACHE_DIR')),
    metricsToken: env('METRICS_TOKEN')?.trim() || undefined,
    tracing: Boolean(env('OTEL_EXPORTER_OTLP_ENDPOINT')?.trim()),
    logSlowRequestMs: intFrom('LOG_SLOW_REQUEST_MS', env('LOG_SLOW_REQUEST_MS'), 1000),
    audit: {
      signingKey: env('AUDIT_SIGNING_KEY') || undefined,
      checkpointFile: resolve(env('AUDIT_CHECKPOINT_FILE') || `${resolve(env('DATA_DIR') || './data')}/audit-checkpoints.jsonl`),
      checkpointSeconds: intFrom('AUDIT_CHECKPOINT_SECONDS', env('AUDIT_CHECKPOINT_SECONDS'), 300),
    },
  };
}
