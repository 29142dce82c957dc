/**
 * `npm run bench:query [-- --duration 10 --warmup 3 --rounds 3 --only q1,q3,tiers]` (`--only ceiling`: see below)
 *
 * The same logical queries against three servers on the bench dataset (`npm run bench:data`),
 * with one load generator (autocannon, in this process) and identical settings: 10
 * connections, a warm-up, then a fixed duration; rounds interleave the targets (the order
 * rotates every round) so that a busy moment on the machine does not land on one target only.
 *
 *   gridhub      the hub (`gridhub serve`, Node 20) on DATABASE_URL with permissions on, a real
 *                bearer token of a demo principal
 *   postgraphile PostGraphile v5 over the same tables, no permissions (bench/peers/postgraphile,
 *                Node 22 from the `node` package; installed with `npm ci` on first use)
 *   postgraphile RLS  the same PostGraphile with row-level security, as its JWT guide has it:
 *                a verified bearer token's claims pick a role per tier and the unit through
 *                `pgSettings`; each tier's role has one single-column policy (alerts:
 *                `street_code = current_setting('jwt.claims.unit_code', true)`, and so on), so
 *                the tier's time index still serves `order by … limit` (see `ensureRls`)
 *   RLS naive    the same server and claims, but one role for every tier whose policies, one
 *                a tier, are OR-ed together: no index serves the OR
 *   floor        a minimal node:http server running the equivalent SQL (bench/peers/floor.ts)
 *   stack        (only with `--only ceiling`) the hub's GraphQL stack alone — Apollo Server 5,
 *                express 5, graphql 16, type-graphql 2 — serving Q1's shape from memory, no
 *                database, no authentication, no permissions (bench/peers/stack.ts)
 *
 * Queries:
 *   Q1  the 20 latest alerts of a street with unit and device (gridhub as xuetian.officer)
 *   Q2  the 20 latest open cases of a community (any state but CLOSED and REJECTED) with their
 *       assignee unit and whole history (gridhub as shuguang.officer, that community's officer)
 *   Q3  alert counts by child unit and day for the district over the dataset's last 30 days
 *       (gridhub as chongchuan.officer: the district's own officer sees every street)
 * and Q1 at every tier: city.admin, chongchuan.officer, xuetian.officer, shuguang.officer,
 * hujing.grid (each one's own latest 20) on gridhub as that principal, on PostGraphile with a
 * condition on the tier's column, and on both RLS forms with that principal's tier and unit.
 *
 * `--only ceiling` (not run by default): Q1 on gridhub, PostGraphile and the floor beside the
 * stack answering Q1's shape (the same 20 alerts, the same bytes as gridhub) and `{ ping }` (the
 * stack's fixed cost a request): what the fixed stack alone allows on Q1.
 *
 * Before measuring, every target's answer is checked against the others: same rows, same order.
 * Every cell also reports the CPU time its server process spent a request (`/proc/<pid>/stat`,
 * user + system, over the cell's load), the figure that holds when the machine is shared.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { signToken } from '../src/platform/auth/jwt.js';
import { benchDatabaseUrl, Q3_FROM, Q3_TO, SIZES } from './dataset.js';
import { benchHubEnv } from './hub-process.js';
import { assertListens, cpuMs, databaseCpu, databaseCpuSince } from './process-cpu.js';
import { ROUND_OPTIONS, roundSettings } from './rounds.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const peerDir = fileURLToPath(new URL('./peers/postgraphile/', import.meta.url));
const node22 = `${peerDir}node_modules/node/bin/node`;

const { values: options } = parseArgs({
  options: {
    ...ROUND_OPTIONS,
    only: { type: 'string', default: 'q1,q2,q3,tiers' },
  },
});
const { duration: DURATION, warmup: WARMUP, rounds: ROUNDS, connections: CONNECTIONS } = roundSettings(options);
const ONLY = new Set(options.only.split(','));
const BENCH_DATABASE = decodeURIComponent(new URL(benchDatabaseUrl()).pathname.slice(1));

type TargetName = 'gridhub' | 'postgraphile' | 'rls' | 'floor' | 'stack';

interface Request {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Cell {
  /** The table the cell is a row of. */
  query: string;
  /** Set on Q1's cells of one tier: `street (xuetian.officer)`. */
  tier?: string;
  /** Row label in the table. */
  target: TargetName | string;
  /** The server that answers (and whose CPU is read). */
  server: TargetName;
  request: Request;
  /** Cells with the same key must give the same normalised answer; none: not compared. */
  agree?: string;
  /** The answer reduced to what every target must agree on. */
  normalise: (body: any) => unknown;
}

interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time of the server process over the load, divided by the requests answered. */
  cpuMsPerRequest: number;
  /** The same for PostgreSQL's backends of the bench database (see `databaseCpu`). */
  dbCpuMsPerRequest: number;
  /** The same for this process: autocannon, the load generator, on the same cores. */
  loadCpuMsPerRequest: number;
}

// ---------------------------------------------------------------- servers

interface Server {
  url: string;
  child: ChildProcess;
}

function start(label: string, command: string, args: string[], env: Record<string, string>, ready: RegExp, cwd = root): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 120 s:\n${out}`)), 120_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${out}`));
    });
  });
}

/**
 * A peer server (PostGraphile, the floor, the stack): it prints `listening <port>` once it
 * listens on 127.0.0.1. `command` must be the serving process itself, not a wrapper, so that
 * the CPU read from its pid is the server's (checked once it listens).
 */
async function startPeer(label: string, command: string, args: string[], env: Record<string, string>, cwd = root): Promise<Server> {
  const started = await start(label, command, args, { PORT: '0', ...env }, /listening (\d+)/, cwd);
  return { ...started, url: `http://127.0.0.1:${started.url}` };
}

/** A peer written in TypeScript (bench/peers/*.ts), run as the floor is: this Node, with tsx. */
function startTsPeer(label: string, script: string, env: Record<string, string>): Promise<Server> {
  return startPeer(label, process.execPath, ['--import', 'tsx', script], env);
}

/** Throws unless the spawned process itself listens on the server's port (see `assertListens`). */
function checkServing(label: string, server: Server): void {
  assertListens(server.child.pid as number, Number(new URL(server.url).port), label);
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  server.child.removeAllListeners('exit');
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

function ensurePeerInstalled(): void {
  if (existsSync(node22)) return;
  process.stdout.write('installing the PostGraphile peer (npm ci in bench/peers/postgraphile)…\n');
  const result = spawnSync('npm', ['--prefix', peerDir, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0 || !existsSync(node22)) throw new Error('npm ci in bench/peers/postgraphile failed');
}

// ---------------------------------------------------------------- row-level security

const rlsRole = (tier: string) => `gridhub_bench_rls_${tier}`;
const NAIVE_ROLE = 'gridhub_bench_rls_naive';
/** The tables the RLS peer's roles are scoped on; case history follows its case. */
const SCOPED_TABLES = ['alerts', 'cases'];

/**
 * The RLS peer's roles and policies on the bench database, made again on every run. Each tier's
 * role has one policy a table, on that tier's column (`street_code =
 * current_setting('jwt.claims.unit_code', true)`): the planner uses the tier's time index for
 * `order by occurred_at desc limit 20`. The naive role has every tier's policy at once (RLS ORs
 * the permissive policies of a role), as a deployment that gave every principal one role would.
 * A case's history is visible when its case is (`exists`, under the case's own policies).
 * gridhub, plain PostGraphile and the floor connect as the tables' owner, a superuser: RLS does
 * not apply to them. Returns each principal's unit code, the claim its tokens carry.
 */
async function ensureRls(url: string): Promise<Map<string, string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const roles = [...TIERS.map(([tier]) => rlsRole(tier)), NAIVE_ROLE];
    await sql.begin(async (tx) => {
      for (const role of roles) {
        const [exists] = await tx`select 1 from pg_roles where rolname = ${role}`;
        if (!exists) await tx.unsafe(`create role ${role} nologin`);
        await tx.unsafe(`grant usage on schema public to ${role}`);
        await tx.unsafe(`grant select on all tables in schema public to ${role}`);
      }
      const columns = await tx<{ table_name: string; column_name: string }[]>`
        select table_name, column_name from information_schema.columns where table_schema = 'public' and table_name in ${sql(SCOPED_TABLES)}`;
      for (const table of [...SCOPED_TABLES, 'case_history']) {
        await tx.unsafe(`alter table ${table} enable row level security`);
        const old = await tx<{ policyname: string }[]>`select policyname from pg_policies where schemaname = 'public' and tablename = ${table} and policyname like 'gridhub_bench_%'`;
        for (const { policyname } of old) await tx.unsafe(`drop policy ${policyname} on ${table}`);
      }
      for (const table of SCOPED_TABLES) {
        for (const [tier] of TIERS) {
          if (!columns.some((c) => c.table_name === table && c.column_name === `${tier}_code`)) continue;
          const using = `${tier}_code = current_setting('jwt.claims.unit_code', true)`;
          await tx.unsafe(`create policy gridhub_bench_${tier} on ${table} for select to ${rlsRole(tier)} using (${using})`);
          await tx.unsafe(`create policy gridhub_bench_naive_${tier} on ${table} for select to ${NAIVE_ROLE} using (${using})`);
        }
      }
      await tx.unsafe(`create policy gridhub_bench_case on case_history for select to ${roles.join(', ')} using (exists (select 1 from cases c where c.id = case_id))`);
    });
    const principals = await sql<{ name: string; unit_code: string }[]>`select name, unit_code from principals where name in ${sql(TIERS.map(([, name]) => name))}`;
    return new Map(principals.map((p) => [p.name, p.unit_code]));
  } finally {
    await sql.end();
  }
}

/** A token for the RLS peer: its role and unit, HS256 with the peer's secret (see server.mjs). */
function rlsToken(secret: string, role: string, unitCode: string): Promise<string> {
  return new SignJWT({ role, unit_code: unitCode }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience('postgraphile').setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(secret));
}

// ---------------------------------------------------------------- load

async function load(server: Server, request: Request, seconds: number): Promise<Measured> {
  const pid = server.child.pid as number;
  const cpuBefore = cpuMs(pid);
  const dbBefore = databaseCpu(BENCH_DATABASE);
  const loadBefore = process.cpuUsage();
  const result = await autocannon({
    url: server.url + request.path,
    method: request.method,
    headers: { ...(request.body ? { 'content-type': 'application/json' } : {}), ...request.headers },
    ...(request.body ? { body: request.body } : {}),
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  const cpu = cpuMs(pid) - cpuBefore;
  const db = databaseCpuSince(dbBefore, databaseCpu(BENCH_DATABASE));
  const loadUsage = process.cpuUsage(loadBefore);
  await settle();
  const perRequest = (ms: number) => (result.requests.total > 0 ? ms / result.requests.total : NaN);
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuMsPerRequest: perRequest(cpu),
    dbCpuMsPerRequest: perRequest(db),
    loadCpuMsPerRequest: perRequest((loadUsage.user + loadUsage.system) / 1000),
  };
}

let monitor: postgres.Sql | undefined;

/**
 * Waits (up to 60 s) until no statement runs on the bench database. autocannon stops at the
 * cell's end with up to a connection's worth of requests still in the server; a slow one (the
 * naive RLS form's take seconds under load) would otherwise run on into the next cell.
 */
async function settle(): Promise<void> {
  monitor ??= postgres(benchDatabaseUrl(), { max: 1, onnotice: () => {} });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const [row] = await monitor<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${BENCH_DATABASE} and state = 'active' and pid <> pg_backend_pid()`;
    if ((row?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The answer's text, as sent. */
async function fetchText(server: Server, cell: Cell): Promise<string> {
  const response = await fetch(server.url + cell.request.path, {
    method: cell.request.method,
    headers: { ...(cell.request.body ? { 'content-type': 'application/json' } : {}), ...cell.request.headers },
    ...(cell.request.body ? { body: cell.request.body } : {}),
  });
  const text = await response.text();
  if (!response.ok || (JSON.parse(text) as { errors?: unknown }).errors) throw new Error(`${cell.query} ${cell.target}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return text;
}

// ---------------------------------------------------------------- queries

const Q1_GRIDHUB = /* GraphQL */ `query Q1 { alerts(first: 20) { edges { node {
  id type severity status occurredAt unit { code name tier } device { id externalId name type status } } } } }`;
const Q1_POSTGRAPHILE = /* GraphQL */ `query Q1($street: String!) { allAlerts(condition: { streetCode: $street }, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC], first: 20) {
  nodes { rowId type severity status occurredAt unitByUnitCode { code name tier } deviceByDeviceId { rowId externalId name type status } } } }`;
/** Q1 as an RLS principal asks it: the policies scope the rows. */
const Q1_RLS = /* GraphQL */ `query Q1 { allAlerts(orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC], first: 20) {
  nodes { rowId type severity status occurredAt unitByUnitCode { code name tier } deviceByDeviceId { rowId externalId name type status } } } }`;
/** Q1 on plain PostGraphile for any tier: a condition on the tier's column (`streetCode`, …). */
const q1PostGraphile = (column: string) => /* GraphQL */ `query Q1($code: String!) { allAlerts(condition: { ${column}: $code }, orderBy: [OCCURRED_AT_DESC, ROW_ID_DESC], first: 20) {
  nodes { rowId type severity status occurredAt unitByUnitCode { code name tier } deviceByDeviceId { rowId externalId name type status } } } }`;
const Q2_FIELDS = 'number title category severity state openedAt deadlineAt';
const Q2_HISTORY = 'seq action actor at fromState toState note';
const Q2_GRIDHUB = /* GraphQL */ `query Q2($states: [CaseState!]) { cases(filter: { states: $states }, first: 20) { edges { node {
  id ${Q2_FIELDS} assignee { code name } history { ${Q2_HISTORY} } } } } }`;
const Q2_POSTGRAPHILE = /* GraphQL */ `query Q2($community: String!, $states: [String!]) {
  allCases(condition: { communityCode: $community }, filter: { state: { in: $states } }, orderBy: [OPENED_AT_DESC, ROW_ID_DESC], first: 20) {
    nodes { rowId ${Q2_FIELDS} unitByAssigneeCode { code name } caseHistoriesByCaseId(orderBy: SEQ_ASC) { nodes { ${Q2_HISTORY} } } } } }`;
const Q2_RLS = /* GraphQL */ `query Q2($states: [String!]) {
  allCases(filter: { state: { in: $states } }, orderBy: [OPENED_AT_DESC, ROW_ID_DESC], first: 20) {
    nodes { rowId ${Q2_FIELDS} unitByAssigneeCode { code name } caseHistoriesByCaseId(orderBy: SEQ_ASC) { nodes { ${Q2_HISTORY} } } } } }`;
const Q3_GRIDHUB = /* GraphQL */ `query Q3($filter: AlertFilter) { alertCounts(filter: $filter, groupBy: [CHILD_UNIT, DAY]) { unit { code } day count } }`;
const Q3_POSTGRAPHILE = /* GraphQL */ `query Q3($district: String!, $from: Datetime!, $to: Datetime!) {
  allAlerts(condition: { districtCode: $district }, filter: { occurredAt: { greaterThanOrEqualTo: $from, lessThan: $to } }) {
    groupedAggregates(groupBy: [STREET_CODE, OCCURRED_AT_TRUNCATED_TO_DAY]) { keys distinctCount { rowId } } } }`;

const STREET = '320613006';
const COMMUNITY = '320613006001';
/** Every state a case can still leave. */
const OPEN_CASE_STATES = ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'VERIFIED', 'SUSPENDED'];
const DISTRICT = '320613';
const TIERS: [string, string][] = [
  ['city', 'city.admin'],
  ['district', 'chongchuan.officer'],
  ['street', 'xuetian.officer'],
  ['community', 'shuguang.officer'],
  ['grid', 'hujing.grid'],
];

const q1Rows = (rows: { id: string; unit: string; device: string | null }[]) => rows;
interface Q2Case {
  id: string;
  number: string;
  state: string;
  openedAt: string;
  assignee: string;
  history: { seq: number; action: string; actor: string; at: string; toState: string; note: string | null }[];
}
const q2Rows = (rows: Q2Case[]) => rows;
const q2History = (entries: any[]) => entries.map((h) => ({ seq: h.seq, action: h.action, actor: h.actor, at: new Date(h.at).toISOString(), toState: h.toState, note: h.note }));
const q3Rows = (rows: { unit: string; day: string; count: number }[]) => rows.sort((a, b) => a.unit.localeCompare(b.unit) || a.day.localeCompare(b.day));

function post(query: string, variables: Record<string, unknown>, token?: string): Request {
  return { method: 'POST', path: '/graphql', headers: token ? { authorization: `Bearer ${token}` } : {}, body: JSON.stringify({ query, variables }) };
}

// ---------------------------------------------------------------- report

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function summary(runs: Measured[]): { rps: number; min: number; max: number; p50: number; p99: number; cpu: number; db: number; loadgen: number; bad: number } {
  return {
    rps: median(runs.map((r) => r.reqPerSec)),
    min: Math.min(...runs.map((r) => r.reqPerSec)),
    max: Math.max(...runs.map((r) => r.reqPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: median(runs.map((r) => r.cpuMsPerRequest)),
    db: median(runs.map((r) => r.dbCpuMsPerRequest)),
    loadgen: median(runs.map((r) => r.loadCpuMsPerRequest)),
    bad: runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

async function postgresVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ server_version: string }[]>`show server_version`;
    const [alerts] = await sql<{ n: number }[]>`select count(*)::int as n from alerts`;
    if ((alerts?.n ?? 0) < SIZES.alerts) throw new Error(`the bench database holds ${alerts?.n ?? 0} alerts: run npm run bench:data first`);
    return row?.server_version ?? '?';
  } finally {
    await sql.end();
  }
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? '?';
  } catch {
    return cpus()[0]?.model ?? '?';
  }
}

// ---------------------------------------------------------------- main

/** `/proc/loadavg`'s 1-minute figure and the time, for the printed settings. */
function moment(): string {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  return `${new Date().toISOString().slice(11, 16)} UTC, load ${load}`;
}

const RLS_RATIOS: [string, string][] = [['gridhub', 'postgraphile RLS'], ['gridhub', 'RLS naive']];
/** Ratio rows under each table: numerator and denominator targets (a tier's Q1: `TIER_RATIOS`). */
const RATIOS: Record<string, [string, string][]> = {
  Q1: [['gridhub', 'postgraphile'], ...RLS_RATIOS, ['gridhub', 'floor']],
  Q2: [['gridhub', 'postgraphile'], ...RLS_RATIOS, ['gridhub', 'floor']],
  Q3: [['gridhub', 'postgraphile'], ['gridhub', 'floor']],
  'Q1 ceiling': [['stack', 'postgraphile'], ['gridhub', 'stack']],
};
const TIER_RATIOS: [string, string][] = [['gridhub', 'postgraphile'], ...RLS_RATIOS];
const SHOWN: Record<string, string> = { postgraphile: 'PostGraphile', 'postgraphile RLS': 'PostGraphile RLS' };
const cpuCells = (s: ReturnType<typeof summary>) => [s.cpu, s.db, s.loadgen].map((ms) => fmt(ms, 3)).join(' | ');

/**
 * Q1 by tier on one line each: req/s and server CPU ms a request of gridhub and the three
 * PostGraphile forms, and gridhub's ratio to each (medians of the same rounds).
 */
function tierSummary(cells: Cell[], runs: Map<Cell, Measured[]>): string[] {
  const targets = ['gridhub', 'postgraphile', 'postgraphile RLS', 'RLS naive'];
  const lines = [
    `| Q1 by tier: req/s (server CPU ms a request) | ${targets.map((t) => SHOWN[t] ?? t).join(' | ')} | gridhub / ${targets
      .slice(1)
      .map((t) => SHOWN[t] ?? t)
      .join(' | gridhub / ')} |`,
    `| --- |${' ---: |'.repeat(targets.length * 2 - 1)}`,
  ];
  for (const tier of new Set(cells.map((c) => c.tier as string))) {
    const stats = targets.map((t) => {
      const cell = cells.find((c) => c.tier === tier && c.target === t);
      return cell ? summary(runs.get(cell) ?? []) : undefined;
    });
    const [hub] = stats;
    const shown = stats.map((s) => (s ? `${fmt(s.rps)} (${fmt(s.cpu, 3)})` : '—'));
    const ratios = stats.slice(1).map((s) => (s && hub ? `${fmt(hub.rps / s.rps, 2)}×` : '—'));
    lines.push(`| ${tier} | ${[...shown, ...ratios].join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

async function main(): Promise<void> {
  const databaseUrl = benchDatabaseUrl();
  const pgVersion = await postgresVersion(databaseUrl);
  ensurePeerInstalled();
  const unitOf = await ensureRls(databaseUrl);
  const secret = randomBytes(32).toString('hex');
  const servers: Partial<Record<TargetName, Server>> = {};
  const cleanup = async () => {
    await Promise.all(Object.values(servers).map((s) => stop(s)));
    await monitor?.end();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const withStack = ONLY.has('ceiling');
    process.stdout.write(`starting gridhub, PostGraphile, PostGraphile with RLS, the floor${withStack ? ' and the stack' : ''}…\n`);
    const [hub, pgl, rls, floor, stack] = await Promise.all([
      // The sweepers and the weekly report run are off: they would write into the dataset while
      // it is measured (the devices' heartbeats stop at the dataset's end: the device sweeper
      // would mark them all OFFLINE and add alerts; the SLA sweeper would escalate overdue cases).
      start(
        'gridhub',
        process.execPath,
        ['bin/gridhub.js', 'serve'],
        { ...benchHubEnv(databaseUrl, secret), LOG_LEVEL: 'silent' },
        /GraphQL\s+(http:\/\/\S+?)\/graphql/,
      ),
      // The `node` package's bin/node is the Node 22 binary itself (no launcher): its pid serves.
      startPeer('postgraphile', node22, ['server.mjs'], { DATABASE_URL: databaseUrl, GRAPHILE_ENV: 'production' }, peerDir),
      startPeer('postgraphile RLS', node22, ['server.mjs'], { DATABASE_URL: databaseUrl, GRAPHILE_ENV: 'production', JWT_SECRET: secret }, peerDir),
      startTsPeer('floor', 'bench/peers/floor.ts', { DATABASE_URL: databaseUrl }),
      withStack ? startTsPeer('stack', 'bench/peers/stack.ts', { DATABASE_URL: databaseUrl, NODE_ENV: 'production' }) : undefined,
    ]);
    servers.gridhub = hub;
    servers.postgraphile = pgl;
    servers.rls = rls;
    servers.floor = floor;
    if (stack) servers.stack = stack;
    for (const [name, server] of Object.entries(servers)) checkServing(name, server);
    const serverOf = (cell: Cell) => servers[cell.server] as Server;
    const tokens = new Map<string, string>();
    for (const name of new Set([...TIERS.map(([, n]) => n), 'shuguang.officer'])) tokens.set(name, await signToken(secret, name, 3600));
    /** The RLS peer's tokens of a principal: its tier's role, and the naive role. */
    const rlsTokens = new Map<string, { index: string; naive: string }>();
    for (const [tier, name] of TIERS) {
      const unit = unitOf.get(name);
      if (!unit) throw new Error(`${name} is not in the bench database: run npm run bench:data -- --rebuild`);
      rlsTokens.set(name, { index: await rlsToken(secret, rlsRole(tier), unit), naive: await rlsToken(secret, NAIVE_ROLE, unit) });
    }
    const rlsCells = (query: string, name: string, request: (token: string) => Request, normalise: Cell['normalise'], tier?: string): Cell[] => [
      { query, tier, target: 'postgraphile RLS', server: 'rls', agree: query, request: request(rlsTokens.get(name)?.index as string), normalise },
      { query, tier, target: 'RLS naive', server: 'rls', agree: query, request: request(rlsTokens.get(name)?.naive as string), normalise },
    ];

    const gridhubQ1 = (body: any) =>
      q1Rows(body.data.alerts.edges.map(({ node }: any) => ({ id: node.id, unit: `${node.unit.code} ${node.unit.name} ${node.unit.tier}`, device: node.device && `${node.device.id} ${node.device.name}` })));
    const postGraphileQ1 = (body: any) =>
      q1Rows(
        body.data.allAlerts.nodes.map((n: any) => ({
          id: n.rowId,
          unit: `${n.unitByUnitCode.code} ${n.unitByUnitCode.name} ${n.unitByUnitCode.tier}`,
          device: n.deviceByDeviceId && `${n.deviceByDeviceId.rowId} ${n.deviceByDeviceId.name}`,
        })),
      );
    const q3Filter = { unitCode: DISTRICT, from: Q3_FROM.toISOString(), to: Q3_TO.toISOString() };
    /** Q1 on gridhub, PostGraphile and the floor, as a row of table `query`. */
    const q1Cells = (query: string): Cell[] => [
      { query, target: 'gridhub', server: 'gridhub', agree: query, request: post(Q1_GRIDHUB, {}, tokens.get('xuetian.officer')), normalise: gridhubQ1 },
      {
        query,
        target: 'postgraphile',
        server: 'postgraphile',
        agree: query,
        request: post(Q1_POSTGRAPHILE, { street: STREET }),
        normalise: postGraphileQ1,
      },
      ...rlsCells(query, 'xuetian.officer', (token) => post(Q1_RLS, {}, token), postGraphileQ1),
      {
        query,
        target: 'floor',
        server: 'floor',
        agree: query,
        request: { method: 'GET', path: `/q1?street=${STREET}` },
        normalise: (body) => q1Rows(body.data.map((r: any) => ({ id: r.id, unit: `${r.unit.code} ${r.unit.name} ${r.unit.tier}`, device: r.device && `${r.device.id} ${r.device.name}` }))),
      },
    ];
    const cells: Cell[] = [];
    if (ONLY.has('q1')) cells.push(...q1Cells('Q1'));
    if (ONLY.has('q2')) {
      const postGraphileQ2 = (body: any) =>
        q2Rows(
          body.data.allCases.nodes.map((n: any) => ({
            id: n.rowId,
            number: n.number,
            state: n.state,
            openedAt: new Date(n.openedAt).toISOString(),
            assignee: `${n.unitByAssigneeCode.code} ${n.unitByAssigneeCode.name}`,
            history: q2History(n.caseHistoriesByCaseId.nodes),
          })),
        );
      cells.push(
        {
          query: 'Q2',
          target: 'gridhub',
          server: 'gridhub',
          agree: 'Q2',
          request: post(Q2_GRIDHUB, { states: OPEN_CASE_STATES }, tokens.get('shuguang.officer')),
          normalise: (body) =>
            q2Rows(body.data.cases.edges.map(({ node }: any) => ({ id: node.id, number: node.number, state: node.state, openedAt: node.openedAt, assignee: `${node.assignee.code} ${node.assignee.name}`, history: q2History(node.history) }))),
        },
        {
          query: 'Q2',
          target: 'postgraphile',
          server: 'postgraphile',
          agree: 'Q2',
          request: post(Q2_POSTGRAPHILE, { community: COMMUNITY, states: OPEN_CASE_STATES }),
          normalise: postGraphileQ2,
        },
        ...rlsCells('Q2', 'shuguang.officer', (token) => post(Q2_RLS, { states: OPEN_CASE_STATES }, token), postGraphileQ2),
        {
          query: 'Q2',
          target: 'floor',
          server: 'floor',
          agree: 'Q2',
          request: { method: 'GET', path: `/q2?community=${COMMUNITY}` },
          normalise: (body) => q2Rows(body.data.map((r: any) => ({ id: r.id, number: r.number, state: r.state, openedAt: r.openedAt, assignee: `${r.assignee.code} ${r.assignee.name}`, history: q2History(r.history) }))),
        },
      );
    }
    if (ONLY.has('q3')) {
      cells.push(
        {
          query: 'Q3',
          target: 'gridhub',
          server: 'gridhub',
          agree: 'Q3',
          request: post(Q3_GRIDHUB, { filter: q3Filter }, tokens.get('chongchuan.officer')),
          normalise: (body) => q3Rows(body.data.alertCounts.map((b: any) => ({ unit: b.unit.code, day: b.day, count: b.count }))),
        },
        {
          query: 'Q3',
          target: 'postgraphile',
          server: 'postgraphile',
          agree: 'Q3',
          request: post(Q3_POSTGRAPHILE, { district: DISTRICT, from: Q3_FROM.toISOString(), to: Q3_TO.toISOString() }),
          // Keys come back as strings; the day key is midnight in the session's zone (Asia/Shanghai).
          normalise: (body) =>
            q3Rows(body.data.allAlerts.groupedAggregates.map((g: any) => ({ unit: g.keys[0], day: String(g.keys[1]).slice(0, 10), count: Number(g.distinctCount.rowId) }))),
        },
        {
          query: 'Q3',
          target: 'floor',
          server: 'floor',
          agree: 'Q3',
          request: { method: 'GET', path: `/q3?district=${DISTRICT}&from=${encodeURIComponent(Q3_FROM.toISOString())}&to=${encodeURIComponent(Q3_TO.toISOString())}` },
          normalise: (body) => q3Rows(body.data.map((r: any) => ({ unit: r.unitCode, day: r.day, count: r.count }))),
        },
      );
    }
    if (ONLY.has('tiers')) {
      for (const [tier, name] of TIERS) {
        const label = `${tier} (${name})`;
        const query = `Q1 ${label}`;
        const column = `${tier}Code`;
        cells.push(
          { query, tier: label, target: 'gridhub', server: 'gridhub', agree: query, request: post(Q1_GRIDHUB, {}, tokens.get(name)), normalise: gridhubQ1 },
          { query, tier: label, target: 'postgraphile', server: 'postgraphile', agree: query, request: post(q1PostGraphile(column), { code: unitOf.get(name) }), normalise: postGraphileQ1 },
          ...rlsCells(query, name, (token) => post(Q1_RLS, {}, token), postGraphileQ1, label),
        );
      }
    }
    if (withStack) {
      const query = 'Q1 ceiling';
      cells.push(
        ...q1Cells(query),
        // Q1's text as gridhub is asked it, without a token: the stack has no authentication.
        { query, target: 'stack', server: 'stack', agree: query, request: post(Q1_GRIDHUB, {}), normalise: gridhubQ1 },
        { query, target: 'stack { ping }', server: 'stack', agree: 'ping', request: post('{ ping }', {}), normalise: (body) => body.data.ping },
      );
    }

    // Same answers everywhere, or the comparison means nothing.
    for (const key of new Set(cells.map((c) => c.agree))) {
      if (key === undefined) continue;
      const group = cells.filter((c) => c.agree === key);
      const answers = await Promise.all(group.map(async (c) => c.normalise(JSON.parse(await fetchText(serverOf(c), c)))));
      const reference = JSON.stringify(answers[0]);
      group.forEach((cell, i) => {
        if (JSON.stringify(answers[i]) !== reference) {
          throw new Error(`${key}: ${cell.target} answers differently from ${group[0]?.target}:\n${JSON.stringify(answers[i]).slice(0, 600)}\nvs\n${reference.slice(0, 600)}`);
        }
      });
      const shown = Array.isArray(answers[0]) ? `${answers[0].length} rows` : reference;
      process.stdout.write(`${key}: ${group.length === 1 ? `${group[0]?.target} answers` : `the ${group.length} targets agree`} (${shown})\n`);
    }
    for (const cell of cells.filter((c) => c.tier && c.target === 'gridhub')) {
      const rows = cell.normalise(JSON.parse(await fetchText(serverOf(cell), cell))) as unknown[];
      if (rows.length !== 20) throw new Error(`${cell.target}: ${rows.length} alerts, expected 20`);
    }
    if (withStack) {
      // Not only the same rows: the same bytes, so that the stack writes and sends what gridhub does.
      const [ours, theirs] = await Promise.all(
        ['gridhub', 'stack'].map((target) => {
          const cell = cells.find((c) => c.query === 'Q1 ceiling' && c.target === target) as Cell;
          return fetchText(serverOf(cell), cell);
        }),
      );
      if (ours !== theirs) throw new Error(`Q1 ceiling: the stack's answer (${theirs?.length} bytes) is not gridhub's (${ours?.length} bytes)`);
      process.stdout.write(`Q1 ceiling: the stack's answer is gridhub's, byte for byte (${Buffer.byteLength(ours as string)} bytes)\n`);
    }

    const began = moment();
    process.stdout.write(`warm-up: ${WARMUP} s per cell; then ${ROUNDS} rounds of ${DURATION} s per cell, ${CONNECTIONS} connections (${began})\n`);
    for (const cell of cells) await load(serverOf(cell), cell.request, WARMUP);
    const runs = new Map<Cell, Measured[]>(cells.map((c) => [c, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round: no target always runs first (or right after the heaviest).
      const order = cells.map((_, i) => cells[(i + round * 3) % cells.length] as Cell);
      for (const cell of order) {
        const measured = await load(serverOf(cell), cell.request, DURATION);
        runs.get(cell)?.push(measured);
        process.stdout.write(
          `  round ${round + 1}  ${cell.query.padEnd(10)} ${cell.target.padEnd(30)} ${fmt(measured.reqPerSec).padStart(6)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms  CPU/request ${fmt(measured.cpuMsPerRequest, 3)} ms, PostgreSQL ${fmt(measured.dbCpuMsPerRequest, 3)}, autocannon ${fmt(measured.loadCpuMsPerRequest, 3)}\n`,
        );
      }
    }
    const ended = moment();

    // ------------------------------------------------------------ the tables
    const lines: string[] = [];
    lines.push(`machine: ${cpus().length} cores (nproc), ${cpuModel()}; PostgreSQL ${pgVersion}; Node ${process.version} (hub, floor${withStack ? ', stack' : ''}), 22 (PostGraphile)`);
    lines.push(`settings: autocannon, ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${ROUNDS} rounds × ${DURATION} s, interleaved; median of the rounds (range)`);
    lines.push(
      `measured: ${began} → ${ended}; CPU ms/request (median of the rounds): user + system time over the load / requests answered, of the server process, of PostgreSQL's backends of ${BENCH_DATABASE}, of autocannon (this process)`,
    );
    lines.push('');
    for (const query of new Set(cells.map((c) => c.query))) {
      const group = cells.filter((c) => c.query === query);
      if (group.length === 0) continue;
      const stats = new Map(group.map((c) => [c.target, summary(runs.get(c) ?? [])]));
      lines.push(`| ${query} | req/s (range) | p50 ms | p99 ms | CPU ms/request: server | PostgreSQL | autocannon |`);
      lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [target, s] of stats) lines.push(`| ${target} | ${fmt(s.rps)} (${fmt(s.min)}–${fmt(s.max)}) | ${s.p50} | ${s.p99} | ${cpuCells(s)} |${s.bad ? ` ${s.bad} failed` : ''}`);
      for (const [over, under] of RATIOS[query] ?? (group[0]?.tier ? TIER_RATIOS : [])) {
        const a = stats.get(over);
        const b = stats.get(under);
        if (!a || !b) continue;
        const rounds = (target: string) => runs.get(group.find((c) => c.target === target) as Cell) ?? [];
        const perRound = rounds(over).map((run, r) => fmt(run.reqPerSec / (rounds(under)[r]?.reqPerSec ?? NaN), 2)).join(', ');
        lines.push(`| ${SHOWN[over] ?? over} / ${SHOWN[under] ?? under} | ${fmt(a.rps / b.rps, 2)}× (rounds: ${perRound}) | | | | | |`);
      }
      lines.push('');
    }
    const tierCells = cells.filter((c) => c.tier && c.target === 'gridhub');
    if (tierCells.length) {
      lines.push(...tierSummary(cells.filter((c) => c.tier), runs));
      const stats = tierCells.map((c) => [c.tier as string, summary(runs.get(c) ?? [])] as const);
      const fastest = Math.max(...stats.map(([, s]) => s.rps));
      lines.push('| Q1 on gridhub, by tier | req/s (range) | p50 ms | p99 ms | CPU ms/request: server | PostgreSQL | autocannon | fastest tier / this |');
      lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [target, s] of stats) lines.push(`| ${target} | ${fmt(s.rps)} (${fmt(s.min)}–${fmt(s.max)}) | ${s.p50} | ${s.p99} | ${cpuCells(s)} | ${fmt(fastest / s.rps, 2)}× |${s.bad ? ` ${s.bad} failed` : ''}`);
      lines.push('');
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:query: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
