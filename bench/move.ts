/**
 * `npm run bench:move`: a street with about 100,000 records moves from 崇川区 to another district
 * (通州区, 320612, created first by importUnits; the next run moves it back) through
 * `importUnits` on a hub in its own process, while autocannon drives Q1 (xuetian.officer's 20
 * latest alerts, as bench/query.ts asks it) on the same hub. Prints the street's records by
 * table, the time the move took (the mutation's round trip: the units committed and every
 * record rewritten in batches of 5,000), Q1's p50/p99 and req/s before and during the move, and
 * checks that every record of the street arrived under the new district.
 *
 * Needs the dataset of `npm run bench:data` (DATABASE_URL, default gridhub_bench).
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { signToken } from '../src/platform/auth/jwt.js';
import { benchDatabaseUrl } from './dataset.js';
import { startHubProcess } from './hub-process.js';

const Q1 = /* GraphQL */ `query Q1 { alerts(first: 20) { edges { node {
  id type severity status occurredAt unit { code name tier } device { id externalId name type status } } } } }`;
const IMPORT = /* GraphQL */ `mutation M($input: ImportUnitsInput!) { importUnits(input: $input) { accepted updated duplicates rejected results { status error { code message } } } }`;
const CITY = '320600';
const HOME = '320613';
const OTHER = { code: '320612', name: '通州区' };
const QUIET = '320613006'; // xuetian: Q1's street, never moved
const TABLES = ['alerts', 'devices', 'resident_requests', 'cases', 'patrol_reports', 'patrol_findings', 'reports'] as const;
const CONNECTIONS = 10;

const databaseUrl = benchDatabaseUrl();
const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

async function recordsOf(street: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await sql.unsafe(`select count(*)::int as n from ${table} where street_code = $1`, [street]);
    counts[table] = Number(row?.['n'] ?? 0);
  }
  return counts;
}

/** The street of 崇川区 (or of the other district, once moved there) whose records come closest to 100,000. */
async function pickStreet(): Promise<{ code: string; name: string; from: string; records: Record<string, number>; total: number }> {
  const streets = await sql`select code, name, parent_code from units where tier = 'STREET' and retired_at is null and code <> ${QUIET} and parent_code in (${HOME}, ${OTHER.code})`;
  const byStreet = await sql`select street_code, count(*)::int as n from alerts where district_code in (${HOME}, ${OTHER.code}) group by street_code`;
  const alerts = new Map(byStreet.map((r) => [r['street_code'] as string, Number(r['n'])]));
  const moved = streets.find((s) => s['parent_code'] === OTHER.code);
  const chosen = moved ?? [...streets].sort((a, b) => Math.abs((alerts.get(a['code']) ?? 0) * 1.2 - 100_000) - Math.abs((alerts.get(b['code']) ?? 0) * 1.2 - 100_000))[0]!;
  const records = await recordsOf(chosen['code']);
  return { code: chosen['code'], name: chosen['name'], from: chosen['parent_code'], records, total: Object.values(records).reduce((a, b) => a + b, 0) };
}

interface Load {
  p50: number;
  p99: number;
  reqPerSec: number;
  requests: number;
  errors: number;
}

function q1Load(url: string, token: string, seconds: number): { stop: () => void; done: Promise<Load> } {
  let instance: autocannon.Instance | undefined;
  const done = new Promise<Load>((resolve, reject) => {
    instance = autocannon(
      { url: `${url}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: Q1 }), connections: CONNECTIONS, duration: seconds },
      (error, result) => {
        if (error) reject(error);
        else resolve({ p50: result.latency.p50, p99: result.latency.p99, reqPerSec: result.requests.average, requests: result.requests.total, errors: result.errors + result.timeouts + result.non2xx });
      },
    );
  });
  return { stop: () => instance?.stop(), done };
}

async function importUnits(url: string, token: string, records: Record<string, unknown>[]): Promise<Record<string, any>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: IMPORT, variables: { input: { source: 'city.admin', records } } }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(`importUnits: ${JSON.stringify(body.errors)}`);
  return body.data!['importUnits'];
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

async function main(): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  const hub = await startHubProcess({ databaseUrl, jwtSecret: secret });
  try {
    const admin = await signToken(secret, 'city.admin', 3600);
    const officer = await signToken(secret, 'xuetian.officer', 3600);
    await importUnits(hub.url, admin, [{ code: OTHER.code, name: OTHER.name, parentCode: CITY, tier: 'DISTRICT' }]);
    const street = await pickStreet();
    const to = street.from === HOME ? OTHER.code : HOME;
    process.stdout.write(`street ${street.name} (${street.code}), ${street.from} → ${to}: ${fmt(street.total)} records (${Object.entries(street.records).map(([t, n]) => `${t} ${fmt(n)}`).join(', ')})\n`);

    await q1Load(hub.url, officer, 3).done;
    const before = await q1Load(hub.url, officer, 10).done;
    const during = q1Load(hub.url, officer, 600);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = performance.now();
    const report = await importUnits(hub.url, admin, [{ code: street.code, name: street.name, parentCode: to, tier: 'STREET' }]);
    const moveMs = performance.now() - started;
    during.stop();
    const load = await during.done;
    if (report['updated'] !== 1) throw new Error(`the move was not applied: ${JSON.stringify(report)}`);

    const after = await recordsOf(street.code);
    const [stale] = await sql.unsafe(
      `select ${TABLES.map((t) => `(select count(*) from ${t} where street_code = $1 and district_code is distinct from $2)`).join(' + ')} as n`,
      [street.code, to],
    );
    const lost = Object.entries(street.records).filter(([table, n]) => after[table] !== n);
    process.stdout.write(
      [
        `move: ${(moveMs / 1000).toFixed(1)} s for ${fmt(street.total)} records (${fmt(street.total / (moveMs / 1000))} records/s), batches of 5,000`,
        `records still under the old district: ${Number(stale?.['n'] ?? 0)}; tables whose count changed: ${lost.length ? lost.map(([t]) => t).join(', ') : 'none'}`,
        `Q1 (xuetian.officer, ${CONNECTIONS} connections)  before: ${fmt(before.reqPerSec)} req/s  p50 ${before.p50} ms  p99 ${before.p99} ms  (errors ${before.errors})`,
        `Q1 during the move (${((load.requests / load.reqPerSec) || 0).toFixed(1)} s): ${fmt(load.reqPerSec)} req/s  p50 ${load.p50} ms  p99 ${load.p99} ms  (errors ${load.errors})`,
      ].join('\n') + '\n',
    );
  } finally {
    await hub.close();
    await sql.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
