/**
 * `npm run bench:ingest`: alerts per second through `ingestAlerts` (GraphQL over HTTP, batches
 * of 1,000, as the iot-platform adapter) against two floors measured in the same run, on the
 * same table and indexes, with the same rows:
 *
 * - COPY: the rows streamed with postgres.js `copy alerts (…) from stdin` — the fastest way in.
 * - plain batch: `INSERT … ON CONFLICT DO NOTHING`, 1,000 rows a transaction — what a
 *   department would write with a driver and no hub.
 *
 * The floors get rows already placed (unit path and tier codes, device id resolved); gridhub
 * gets the adapter's records and does the checks, the lookups, the per-record report, the
 * audit entry and the live events itself. Rounds are interleaved (the order rotates) and the
 * table is truncated before each measurement; each figure is the median over the rounds.
 *
 * The hub runs as its own process (`node bin/gridhub.js serve`, NODE_ENV=production), as in
 * production and as `gridhub push` reaches it: the bench's client and its 50,000 records
 * share neither its event loop nor its heap. `--in-process` runs it inside the bench instead
 * (runHub), as before 2026-11-29, to compare. After the medians it prints the CPU each method
 * used per 1,000 rows: the bench process (the client or the floors' driver), the hub process
 * and the PostgreSQL backends of the scratch database (from /proc; medians over the rounds).
 *
 * Needs a PostgreSQL server: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 * It makes a scratch database of its own, migrates and seeds it, and drops it at the end.
 *
 *   npm run bench:ingest -- [--rows 50000] [--rounds 5] [--concurrency 1] [--in-process]
 *                           ["--node-args=--cpu-prof --cpu-prof-dir=/tmp/prof"]   (flags for the hub's node)
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Agent, request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { applyMigrations, openServer } from '../src/platform/db/database.js';
import { placementOf, type Placement } from '../src/platform/db/placement.js';
import { signToken } from '../src/platform/auth/jwt.js';
import { createLogger } from '../src/platform/log.js';
import { runHub } from '../src/main.js';
import { seedDemo, seededRandom } from '../src/seed/demo.js';
import { ALERT_TYPES, SEVERITIES } from '../src/modules/alerts/index.js';
import { PUSH_KINDS, mutationOf } from '../src/push/kinds.js';
import { benchHubEnv, startHubProcess } from './hub-process.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
    'in-process': { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const IN_PROCESS = args['in-process'];
const BATCH = 1000;
const BASE_URL = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const SOURCE = 'iot-platform';

interface Record_ {
  externalId: string;
  type: string;
  severity: string;
  occurredAt: string;
  unitCode: string;
  deviceExternalId?: string;
  location?: { lat: number; lng: number };
  payload: Record<string, unknown>;
}

/** A stored row, as the floors write it. */
interface Row extends Placement {
  source: string;
  externalId: string;
  type: string;
  severity: string;
  occurredAt: string;
  receivedAt: string;
  deviceId: string | null;
  deviceExternalId: string | null;
  lat: number | null;
  lng: number | null;
  payload: string;
}

const COLUMNS = [
  'source', 'external_id', 'type', 'severity', 'occurred_at', 'received_at', 'device_id', 'device_external_id', 'lat', 'lng', 'payload',
  'unit_code', 'unit_path', 'city_code', 'district_code', 'street_code', 'community_code', 'grid_code',
] as const;

function values(row: Row): (string | number | null)[] {
  return [
    row.source, row.externalId, row.type, row.severity, row.occurredAt, row.receivedAt, row.deviceId, row.deviceExternalId, row.lat, row.lng, row.payload,
    row.unitCode, row.unitPath, row.cityCode, row.districtCode, row.streetCode, row.communityCode, row.gridCode,
  ];
}

/** COPY's text format: tab-separated, \N for null, backslash escapes. */
function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU seconds (user + system) a process has used, from /proc; 0 once it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Hub {
  url: string;
  pid: number;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const name = `gh_bench_${process.pid}_${Date.now().toString(36)}`;
  const scratchUrl = new URL(BASE_URL);
  scratchUrl.pathname = `/${name}`;
  const url = scratchUrl.toString();
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  let hub: Hub | undefined;
  const cleanup = async () => {
    await hub?.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const database = await openServer({ url, max: 2 });
    await applyMigrations(database);
    await seedDemo(database.db, { now: new Date() });
    await database.close();

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const [{ version }] = (await sql`select current_setting('server_version') as version`) as unknown as [{ version: string }];
    const units = await sql<{ code: string; path: string }[]>`select code, path from units where code like '320613%' and length(code) >= 12`;
    const deviceRows = await sql<{ id: string; external_id: string; community_code: string }[]>`select id, external_id, community_code from devices where source = ${SOURCE}`;
    const devicesByCommunity = new Map<string, { id: string; externalId: string }[]>();
    for (const d of deviceRows) {
      const list = devicesByCommunity.get(d.community_code) ?? [];
      list.push({ id: d.id, externalId: d.external_id });
      devicesByCommunity.set(d.community_code, list);
    }

    // The same rows for every method: records for gridhub, placed rows for the floors.
    const random = seededRandom(20261128);
    const now = Date.now();
    const receivedAt = new Date(now).toISOString();
    const records: Record_[] = [];
    const rows: Row[] = [];
    for (let i = 0; i < ROWS; i++) {
      const unit = units[Math.floor(random() * units.length)]!;
      const placement = placementOf(unit.path);
      const candidates = devicesByCommunity.get(placement.communityCode ?? '') ?? [];
      const device = random() < 0.5 && candidates.length ? candidates[Math.floor(random() * candidates.length)]! : undefined;
      const located = random() < 0.7;
      const record: Record_ = {
        externalId: `bench-${i.toString().padStart(8, '0')}`,
        type: ALERT_TYPES[Math.floor(random() * ALERT_TYPES.length)]!,
        severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)]!,
        occurredAt: new Date(now - Math.floor(random() * 30 * 86_400_000)).toISOString(),
        unitCode: unit.code,
        ...(device ? { deviceExternalId: device.externalId } : {}),
        ...(located ? { location: { lat: 31.95 + random() * 0.1, lng: 120.8 + random() * 0.1 } } : {}),
        payload: { reading: Math.round(random() * 1000) / 10, battery: Math.floor(random() * 100), firmware: 'v2.3.1' },
      };
      records.push(record);
      rows.push({
        source: SOURCE,
        externalId: record.externalId,
        type: record.type,
        severity: record.severity,
        occurredAt: record.occurredAt,
        receivedAt,
        deviceId: device?.id ?? null,
        deviceExternalId: device?.externalId ?? null,
        lat: record.location?.lat ?? null,
        lng: record.location?.lng ?? null,
        payload: JSON.stringify(record.payload),
        ...placement,
      });
    }

    const count = async () => Number((await sql`select count(*)::int as n from alerts`)[0]!['n']);
    const truncate = () => sql`truncate alerts`;

    const copy = async () => {
      const stream = await sql.unsafe(`copy alerts (${COLUMNS.join(', ')}) from stdin`).writable();
      await pipeline(
        Readable.from((function* () {
          for (let i = 0; i < rows.length; i += 1000) {
            yield rows.slice(i, i + 1000).map((row) => `${values(row).map(copyField).join('\t')}\n`).join('');
          }
        })()),
        stream,
      );
    };

    const plain = async () => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH).map((row) => Object.fromEntries(COLUMNS.map((c, k) => [c, values(row)[k]])));
        await sql.begin((tx) => tx`insert into alerts ${tx(batch, ...COLUMNS)} on conflict (source, external_id) do nothing`);
      }
    };

    // The hub with every benchmark's settings (bench/hub-process.ts): the sweepers and the weekly
    // report off, so that only the batches write (the seeded devices' heartbeats are stale here:
    // the device sweeper would add DEVICE_OFFLINE alerts to the table being counted).
    const hubEnv = { ...benchHubEnv(url, JWT_SECRET), LOG_LEVEL: 'silent' };
    if (IN_PROCESS) {
      const handle = await runHub(loadConfig(hubEnv), { log: createLogger('silent') });
      hub = { url: handle.server.url, pid: process.pid, close: () => handle.close() };
    } else {
      const nodeArgs = args['node-args'].split(' ').filter(Boolean);
      const child = await startHubProcess({ databaseUrl: url, jwtSecret: JWT_SECRET, nodeArgs });
      hub = { url: child.url, pid: child.child.pid!, close: () => child.close() };
    }
    const token = await signToken(JWT_SECRET, SOURCE, 24 * 3600);
    const query = mutationOf(PUSH_KINDS['alerts']!);
    // Request bodies are made before the clock starts, and sent with node:http (lighter than
    // fetch, which copies the body through web streams): the hub is measured, not the client.
    const bodies: Buffer[] = [];
    for (let i = 0; i < records.length; i += BATCH) bodies.push(Buffer.from(JSON.stringify({ query, variables: { input: { source: SOURCE, records: records.slice(i, i + BATCH) } } })));
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const target = new URL(`${hub.url}/graphql`);
    const post = (body: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}` } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const gridhub = async () => {
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const text = await post(bodies[next++]!);
          const json = JSON.parse(text) as { data?: { ingestAlerts: { accepted: number } }; errors?: unknown };
          if (!json.data || json.data.ingestAlerts.accepted !== BATCH) throw new Error(`ingestAlerts failed: ${text.slice(0, 500)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    const methods = [
      ['COPY', copy],
      ['plain batch', plain],
      ['gridhub', gridhub],
    ] as const;
    const rates = new Map<string, number[]>(methods.map(([m]) => [m, []]));
    // CPU seconds per 1,000 rows: [bench process, hub process, PostgreSQL backends].
    const cpu = new Map<string, [number[], number[], number[]]>(methods.map(([m]) => [m, [[], [], []]]));
    const backends = async () => (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${name}`).map((r) => r.pid);
    process.stdout.write(
      `ingest benchmark: ${fmt(ROWS)} alerts, batches of ${fmt(BATCH)}, ${ROUNDS} rounds, PostgreSQL ${version}` +
        `${CONCURRENCY > 1 ? `, gridhub with ${CONCURRENCY} batches in flight` : ''}, hub ${IN_PROCESS ? 'inside the bench process' : 'in its own process'}\n`,
    );
    // One warm-up pass of each (JIT, connections, caches), not counted.
    for (const [, run] of methods) {
      await truncate();
      await run();
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = methods.map((_, k) => methods[(k + round) % methods.length]!);
      const line: string[] = [];
      for (const [method, run] of order) {
        await truncate();
        await sql`checkpoint`;
        const pids = await backends();
        const pgBefore = new Map(pids.map((pid) => [pid, cpuOf(pid)]));
        const benchBefore = process.cpuUsage();
        const hubBefore = IN_PROCESS ? 0 : cpuOf(hub.pid);
        const started = process.hrtime.bigint();
        await run();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const benchUsage = process.cpuUsage(benchBefore);
        const hubSeconds = IN_PROCESS ? 0 : cpuOf(hub.pid) - hubBefore;
        let pgSeconds = 0;
        for (const pid of new Set([...pids, ...(await backends())])) pgSeconds += cpuOf(pid) - (pgBefore.get(pid) ?? 0);
        const [benchCpu, hubCpu, pgCpu] = cpu.get(method)!;
        benchCpu.push(((benchUsage.user + benchUsage.system) / 1e6 / ROWS) * 1000);
        hubCpu.push((hubSeconds / ROWS) * 1000);
        pgCpu.push((pgSeconds / ROWS) * 1000);
        const stored = await count();
        if (stored !== ROWS) throw new Error(`${method} stored ${stored} rows, expected ${ROWS}`);
        rates.get(method)!.push(ROWS / seconds);
        line.push(`${method} ${fmt(ROWS / seconds)}/s`);
      }
      process.stdout.write(`  round ${round + 1}: ${line.join('   ')}\n`);
    }
    agent.destroy();
    await hub.close();
    hub = undefined;
    await sql.end();

    const [c, p, g] = methods.map(([m]) => median(rates.get(m)!)) as [number, number, number];
    const ms = (xs: number[]) => `${(median(xs) * 1000).toFixed(1)} ms`;
    process.stdout.write(
      [
        `CPU per 1,000 rows (medians; ${IN_PROCESS ? 'hub inside the bench process' : 'hub in its own process'}):`,
        ...methods.map(([m]) => {
          const [benchCpu, hubCpu, pgCpu] = cpu.get(m)!;
          return `  ${m.padEnd(12)} bench ${ms(benchCpu)}${m === 'gridhub' && !IN_PROCESS ? `   hub ${ms(hubCpu)}` : ''}   PostgreSQL ${ms(pgCpu)}`;
        }),
        `median rows/s:   COPY ${fmt(c)}   plain batch ${fmt(p)}   gridhub ${fmt(g)}`,
        `gridhub / COPY         ${(g / c).toFixed(2)}   (goal ≥ 0.50)`,
        `gridhub / plain batch  ${(g / p).toFixed(2)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:ingest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
