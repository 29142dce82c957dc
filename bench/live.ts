/**
 * `npm run bench:live`: live delivery of `alertRaised` at city scale.
 *
 * - A scratch database on the PostgreSQL server of DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test): migrated, seeded with the demo data, and given
 *   extra principals at every unit (officers at the city, district, streets and communities,
 *   grid workers at grids, data officers of both departments) directly in SQL. Dropped at the
 *   end unless --keep.
 * - The hub runs as its own process (`node bin/gridhub.js serve`) on that database.
 * - N subscribers (--subscribers, default 10,000) spread over every unit and tier, one
 *   graphql-ws connection each, in --workers client processes (default 2).
 * - Warm-up: one alert per grid; every subscriber must receive one before timing starts (which
 *   also proves each subscription is registered).
 * - Load: --rate alerts/s (default 100) for --duration s (default 30), --batch alerts per
 *   `ingestAlerts` request (default 10: ten requests a second) over HTTP (the iot-platform
 *   adapter), open loop (a slow answer does not slow the sender down), at random grids and
 *   communities, of random types. Each alert is made when its request is sent.
 * - Latency commit → client: from the moment the commit's NOTIFY reaches the bench (it LISTENs on
 *   the hub's channel, as a hub process does) to the arrival at the client; and send → client,
 *   from just before the ingest request is sent (includes the ingest's own work). Wall clocks
 *   of one machine.
 * - Misdeliveries and losses: what each subscriber must receive is computed here, from unit
 *   paths, roles and the fire brigade's alert types, independently of the hub's code.
 * - The hub's RSS and CPU from /proc/<pid> (sampled every 500 ms during the load), its CPU-seconds per 1,000
 *   deliveries, and how long GET /healthz waits during the load (the event loop busy delivering).
 * - Opening: every worker starts connecting at once, --lanes connections in flight each (default
 *   32); the opening rate is the connections over the time from the first attempt to the last
 *   subscription sent. One source address reaching the hub's address and port has only the
 *   ephemeral port range (net.ipv4.ip_local_port_range, ~28,000 ports), so past --per-address
 *   connections (default 20,000) the clients bind the source addresses 127.0.0.1, 127.0.0.2, …
 *   (all of 127/8 is loopback on Linux) in turn. The hub needs a descriptor per connection: when
 *   the soft limit of open files is too low the bench raises its own (children inherit it) with
 *   prlimit, which needs root or a hard limit high enough (else `ulimit -n 200000` first).
 * - --hubs K (default 1): K hub processes on the one database, on ports --port, --port + 1, …;
 *   subscriber i connects to hub i mod K and the ingest requests go to each in turn (an alert
 *   ingested through one reaches the subscribers of all, through PostgreSQL's NOTIFY). Their RSS
 *   is reported each and summed, their CPU summed.
 *
 *   npm run bench:live -- [--subscribers 10000] [--rate 100] [--duration 30] [--workers 2] [--batch 10] [--keep]
 *     [--lanes 32] [--per-address 20000] [--hubs 1]
 *     [--database gridhub_bench_live] [--port 4510] [--cpu-prof <dir>] [--heap-snapshot <dir>]
 */
import { parseArgs } from 'node:util';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { applyMigrations, openServer } from '../src/platform/db/database.js';
import { signToken } from '../src/platform/auth/jwt.js';
import { seedDemo, seededRandom } from '../src/seed/demo.js';
import { demoUnits, type DemoUnit } from '../src/seed/demo-units.js';
import { ALERT_TYPES } from '../src/modules/alerts/index.js';
import { startHubProcess } from './hub-process.js';

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '30' },
    workers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '10' },
    port: { type: 'string', default: '4510' },
    lanes: { type: 'string', default: '32' },
    hubs: { type: 'string', default: '1' },
    'per-address': { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
    database: { type: 'string', default: 'gridhub_bench_live' },
    /** Writes a V8 CPU profile of the hub (node --cpu-prof) into this directory. */
    'cpu-prof': { type: 'string' },
    /** Writes a heap snapshot of the hub into this directory once every subscriber is warm. */
    'heap-snapshot': { type: 'string' },
  },
});
const SUBSCRIBERS = Number(args.subscribers);
const RATE = Number(args.rate);
const DURATION_S = Number(args.duration);
const WORKERS = Number(args.workers);
const BATCH = Number(args.batch);
const PORT = Number(args.port);
const LANES = Number(args.lanes);
const HUBS = Number(args.hubs);
const PER_ADDRESS = Number(args['per-address']);
const BASE_URL = process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = args.database;
const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
/** Sequence numbers at or above this are warm-up alerts (one per grid), not timed (as in live-client.ts). */
const WARMUP_BASE = 1_000_000;

/** The fire brigade's alert types (its domain in the demo data), written out here on purpose. */
const FIRE_ALERT_TYPES = ['SMOKE', 'HYDRANT_PRESSURE_LOW', 'EBIKE_IN_ELEVATOR', 'FIRE_PASSAGE_BLOCKED'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);

/** A subscriber as the bench knows it: its principal and what it may see, computed here. */
interface Subscriber {
  index: number;
  name: string;
  unitPath: string;
  /** Alert types it may see; null = all. */
  types: readonly string[] | null;
}

/**
 * How the subscribers spread over tiers (fractions of N): command centres at the top are few,
 * community and grid staff many. Each tier's share is spread evenly over its units.
 */
const MIX = [
  { tier: 'CITY', role: 'OFFICER', share: 0.0005 },
  { tier: 'DISTRICT', role: 'OFFICER', share: 0.001 },
  { tier: 'DISTRICT', role: 'DATA_OFFICER', department: 'fire-brigade', share: 0.0005 },
  { tier: 'DISTRICT', role: 'DATA_OFFICER', department: 'iot-platform', share: 0.0005 },
  { tier: 'STREET', role: 'OFFICER', share: 0.048 },
  { tier: 'COMMUNITY', role: 'OFFICER', share: 0.24 },
  { tier: 'GRID', role: 'GRID_WORKER', share: 0 }, // the rest
] as const;

function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The source address of subscriber `index`'s socket: none (the kernel's choice) while one address has ports enough. */
function sourceAddress(index: number): string | undefined {
  if (SUBSCRIBERS <= PER_ADDRESS) return undefined;
  const n = Math.floor(index / PER_ADDRESS) + 1;
  return `127.0.${Math.floor(n / 256)}.${n % 256}`;
}

/**
 * Raises this process's soft limit of open files to `need` (the hub and the client workers
 * inherit it); prlimit raises the hard limit too when run as root.
 */
function raiseFileLimit(need: number): void {
  const line = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  const soft = line?.[1] === 'unlimited' ? Infinity : Number(line?.[1] ?? 0);
  const hard = line?.[2] === 'unlimited' ? Infinity : Number(line?.[2] ?? 0);
  if (soft >= need) return;
  const limit = `${need}:${Number.isFinite(hard) ? Math.max(hard, need) : 'unlimited'}`;
  const result = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`open files limit ${soft} is below the ${need} this run needs and prlimit could not raise it (${(result.stderr || String(result.error)).trim()}): run \`ulimit -n ${need}\` first, or spread the connections over more --hubs and --workers (each holds subscribers / its count)`);
  }
  process.stdout.write(`  open files limit raised from ${soft} to ${need} (prlimit; the hub and the clients inherit it)\n`);
}

async function prepareDatabase(units: DemoUnit[]): Promise<Subscriber[]> {
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  await admin.unsafe(`create database "${DB_NAME}"`);
  await admin.end();
  const database = await openServer({ url: databaseUrl(DB_NAME), max: 2 });
  await applyMigrations(database);
  await seedDemo(database.db, { now: new Date() });

  const subscribers: Subscriber[] = [];
  const rows: { name: string; roles: string[]; unit: string; department: string | null }[] = [];
  let assigned = 0;
  for (const mix of MIX) {
    const tierUnits = units.filter((u) => u.tier === mix.tier);
    const count = mix.share === 0 ? SUBSCRIBERS - assigned : Math.max(tierUnits.length, Math.round(SUBSCRIBERS * mix.share));
    for (let i = 0; i < count; i++) {
      const unit = tierUnits[i % tierUnits.length]!;
      const department = 'department' in mix ? mix.department : null;
      const name = `bench.${mix.tier.toLowerCase()}.${department ?? mix.role.toLowerCase()}.${unit.code}.${Math.floor(i / tierUnits.length)}`;
      rows.push({ name, roles: [mix.role], unit: unit.code, department });
      subscribers.push({
        index: subscribers.length,
        name,
        unitPath: unit.path,
        types: department === 'fire-brigade' ? FIRE_ALERT_TYPES : null,
      });
    }
    assigned += count;
  }
  const sql = database.sql;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await sql`insert into principals (name, display_name, kind, roles, unit_code, department_code)
      select r.name, r.name, 'PERSON', string_to_array(r.roles, ','), r.unit, r.department
        from json_to_recordset(${JSON.stringify(chunk.map((r) => ({ ...r, roles: r.roles.join(',') })))}::json)
          as r(name text, roles text, unit text, department text)`;
  }
  await database.close();
  return subscribers;
}

async function dropDatabase(): Promise<void> {
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  await admin.end();
}

/** The hub with every benchmark's settings (bench/hub-process.ts: the sweepers and the report
 * schedule off — the seeded devices' heartbeats are stale here, and the device sweeper's
 * DEVICE_OFFLINE alerts would add deliveries nobody counts). */
async function startHub(port: number, profiled: boolean): Promise<ChildProcess> {
  const nodeArgs = !profiled ? [] : [
    ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
    ...(args['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${args['heap-snapshot']}`] : []),
  ];
  return (await startHubProcess({ databaseUrl: databaseUrl(DB_NAME), jwtSecret: JWT_SECRET, port, nodeArgs })).child;
}

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
function usageOf(pid: number): { cpu: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpu: ticks / 100, rss: rssKb * 1024 };
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
function post(body: string, token: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A connection of its own for GET probes, so that they never queue behind ingest requests in `agent`. */
const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, method: 'GET', agent: probeAgent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const INGEST = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted rejected results { status recordId error { code field } } } }';

/**
 * When each alert's commit became known: the bench LISTENs on the hub's own channel, so the
 * NOTIFY reaches it when the transaction commits, as it reaches the hub. Keyed by alert id.
 */
const committedAt = new Map<string, number>();
/** The load phase's wall times, to cut a hub profile down to it. */
const loadWindow = { start: 0, end: 0 };

interface SentAlert {
  seq: number;
  id: string;
  unitPath: string;
  type: string;
  sentAt: number;
  answeredAt: number;
}

async function ingest(token: string, alerts: { seq: number; unit: DemoUnit; type: string }[], sent: Map<number, SentAlert>, port = PORT): Promise<void> {
  const sentAt = Date.now();
  const records = alerts.map((a) => ({ externalId: `live-${a.seq}`, type: a.type, severity: 'HIGH', occurredAt: new Date(sentAt).toISOString(), unitCode: a.unit.code }));
  const text = await post(JSON.stringify({ query: INGEST, variables: { input: { source: 'iot-platform', records } } }), token, port);
  const answeredAt = Date.now();
  const body = JSON.parse(text) as { data?: { ingestAlerts: { accepted: number; results: { recordId: string }[] } }; errors?: unknown };
  if (body.data?.ingestAlerts.accepted !== alerts.length) throw new Error(`ingest failed: ${text.slice(0, 500)}`);
  const results = body.data.ingestAlerts.results;
  alerts.forEach((a, i) => sent.set(a.seq, { seq: a.seq, id: results[i]!.recordId, unitPath: a.unit.path, type: a.type, sentAt, answeredAt }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const units = demoUnits();
  const started = Date.now();
  process.stdout.write(`bench:live  ${SUBSCRIBERS} subscribers, ${RATE} alerts/s (${BATCH} per request) for ${DURATION_S} s, ${WORKERS} client processes\n`);
  // A hub: a descriptor per connection; a worker: one per its share; both a margin for the rest.
  raiseFileLimit(Math.ceil(SUBSCRIBERS / Math.min(HUBS, WORKERS)) + 1024);
  const subscribers = await prepareDatabase(units);
  process.stdout.write(`  database ${DB_NAME} seeded, ${subscribers.length} bench principals (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const hubs: ChildProcess[] = [];
  for (let h = 0; h < HUBS; h++) hubs.push(await startHub(PORT + h, h === 0));
  const hub = hubs[0]!;
  const workers: ChildProcess[] = [];
  const listener = postgres(databaseUrl(DB_NAME), { max: 1, onnotice: () => {} });
  await listener.listen('gridhub_alertraised', (payload) => {
    const now = Date.now();
    for (const id of (JSON.parse(payload) as { ids: string[] }).ids) committedAt.set(id, now);
  });
  try {
    const adapterToken = await signToken(JWT_SECRET, 'iot-platform', 3600);
    const clientFile = fileURLToPath(new URL('./live-client.ts', import.meta.url));
    const connected: Promise<{ count: number; failed: number; firstAt: number; lastAt: number }>[] = [];
    const ready: Promise<void>[] = [];
    const starts: { type: 'start'; urls: string[]; lanes: number; subscribers: { index: number; token: string; hub: number; localAddress?: string }[] }[] = [];
    const warm = new Array<number>(WORKERS).fill(0);
    const arrived = new Array<number>(WORKERS).fill(0);
    const reports: Promise<{ received: [number, number[], number[]][]; closes: [number, number][] }>[] = [];
    for (let w = 0; w < WORKERS; w++) {
      const worker = fork(clientFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(worker);
      // Listening before anything is awaited: the worker says 'ready' as soon as it has loaded.
      ready.push(new Promise((resolve) => worker.on('message', (message: { type: string }) => message.type === 'ready' && resolve())));
      const mine = subscribers.filter((s) => s.index % WORKERS === w);
      const tokens = await Promise.all(
        mine.map(async (s) => {
          const localAddress = sourceAddress(s.index);
          return { index: s.index, token: await signToken(JWT_SECRET, s.name, 3600), hub: s.index % HUBS, ...(localAddress ? { localAddress } : {}) };
        }),
      );
      connected.push(
        new Promise((resolve) =>
          worker.on('message', (message: { type: string; count: number; failed: number; firstAt: number; lastAt: number; warm: number; total: number }) => {
            if (message.type === 'connected') resolve(message);
            if (message.type === 'progress') {
              warm[w] = message.warm;
              arrived[w] = message.total;
            }
          }),
        ),
      );
      reports.push(
        new Promise((resolve) =>
          worker.on('message', (message: { type: string; received: [number, number[], number[]][]; closes: [number, number][] }) => {
            if (message.type === 'report') resolve(message);
          }),
        ),
      );
      starts.push({ type: 'start', urls: hubs.map((_, h) => `ws://127.0.0.1:${PORT + h}/graphql`), lanes: LANES, subscribers: tokens });
    }
    // Every worker loaded and every token signed before the first connection: the opening is timed alone.
    await Promise.all(ready);
    const connectStart = Date.now();
    workers.forEach((worker, w) => worker.send(starts[w]!));
    const counts = await Promise.all(connected);
    const failed = counts.reduce((n, c) => n + c.failed, 0);
    const opened = subscribers.length - failed;
    const openSeconds = (Math.max(...counts.map((c) => c.lastAt)) - Math.min(...counts.map((c) => c.firstAt))) / 1000;
    const addresses = new Set(subscribers.map((s) => sourceAddress(s.index) ?? 'default')).size;
    process.stdout.write(
      `  ${opened} connections open in ${((Date.now() - connectStart) / 1000).toFixed(1)} s: ${(opened / openSeconds).toFixed(0)} a second` +
        ` (${LANES} in flight per client process, ${addresses} source address${addresses > 1 ? 'es' : ''})${failed ? `, ${failed} FAILED` : ''}\n`,
    );

    // Warm-up: one alert per grid reaches every subscriber at least once.
    const sent = new Map<number, SentAlert>();
    const grids = units.filter((u) => u.tier === 'GRID');
    for (let i = 0; i < grids.length; i += 60) {
      await ingest(adapterToken, grids.slice(i, i + 60).map((unit, j) => ({ seq: WARMUP_BASE + i + j, unit, type: 'SMOKE' })), sent);
    }
    const warmDeadline = Date.now() + 120_000;
    while (warm.reduce((a, b) => a + b, 0) < subscribers.length - failed && Date.now() < warmDeadline) await sleep(250);
    const warmed = warm.reduce((a, b) => a + b, 0);
    process.stdout.write(`  warm-up: ${warmed} of ${subscribers.length} subscribers received a warm-up alert\n`);
    await sleep(2000);
    const rested = hubs.map((h) => usageOf(h.pid!).rss);
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    process.stdout.write(`  hub at rest with every subscription open: RSS ${HUBS > 1 ? `${rested.map(mb).join(' + ')} = ` : ''}${mb(sum(rested))}\n`);
    if (args['heap-snapshot']) {
      // The snapshot is written synchronously on the hub's event loop: it answers again when done.
      hub.kill('SIGUSR2');
      await sleep(1000);
      while ((await get('/healthz').catch(() => '')) === '') await sleep(500);
      process.stdout.write(`  heap snapshot written to ${args['heap-snapshot']}\n`);
    }

    // Load: open loop at RATE alerts/s.
    const random = seededRandom(2026);
    const targets = units.filter((u) => u.tier === 'GRID' || u.tier === 'COMMUNITY');
    const hubPids = hubs.map((h) => h.pid!);
    const before = hubPids.map(usageOf);
    const peaks = before.map((u) => u.rss);
    const sample = () => hubPids.forEach((pid, h) => (peaks[h] = Math.max(peaks[h]!, usageOf(pid).rss)));
    const sampler = setInterval(sample, 500);
    // How long the hub's event loop keeps an HTTP request waiting while it delivers: GET /healthz
    // (no database, no work) every 100 ms during the load.
    const probes: number[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        const at = Date.now();
        await get('/healthz').catch(() => '');
        probes.push(Date.now() - at);
        await sleep(100);
      }
    })();
    const total = RATE * DURATION_S;
    const loadStart = Date.now();
    const inflight: Promise<void>[] = [];
    for (let seq = 0; seq < total; seq += BATCH) {
      const due = loadStart + (seq * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const batch = Array.from({ length: Math.min(BATCH, total - seq) }, (_, i) => ({
        seq: seq + i,
        unit: targets[Math.floor(random() * targets.length)]!,
        type: ALERT_TYPES[Math.floor(random() * ALERT_TYPES.length)]!,
      }));
      inflight.push(ingest(adapterToken, batch, sent, PORT + ((seq / BATCH) % HUBS)));
    }
    await Promise.all(inflight);
    const loadEnd = Date.now();
    // Until every expected delivery arrived, or 30 s of nothing new (what is missing then is lost).
    // What each subscriber must receive, computed once per unit and type filter (many subscribers share one).
    const isFor = (s: Subscriber, a: SentAlert) => within(a.unitPath, s.unitPath) && (!s.types || s.types.includes(a.type));
    const expectedByKey = new Map<string, number[]>();
    const expectedOf = (s: Subscriber): number[] => {
      const key = `${s.unitPath}|${s.types?.join(',') ?? '*'}`;
      let seqs = expectedByKey.get(key);
      if (!seqs) {
        seqs = [];
        for (const a of sent.values()) if (isFor(s, a)) seqs.push(a.seq);
        expectedByKey.set(key, seqs);
      }
      return seqs;
    };
    let expectedTotal = 0;
    for (const s of subscribers) expectedTotal += expectedOf(s).length;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      await sleep(500);
      const now = arrived.reduce((a, b) => a + b, 0);
      if (now >= expectedTotal) break;
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 30_000) break;
    }
    const settledAfter = Date.now() - loadEnd;
    loadWindow.start = loadStart;
    loadWindow.end = Date.now();
    clearInterval(sampler);
    probing = false;
    await probeLoop;
    probes.sort((a, b) => a - b);
    sample();
    const peakRss = sum(peaks);
    const cpuSeconds = sum(hubPids.map((pid, h) => usageOf(pid).cpu - before[h]!.cpu));
    const cpuPercent = (cpuSeconds / ((Date.now() - loadStart) / 1000)) * 100;

    for (const worker of workers) worker.send({ type: 'report' });
    const results = await Promise.all(reports);
    const received = new Map<number, { seqs: number[]; arrivals: number[] }>();
    const closes: [number, number][] = [];
    for (const r of results) {
      for (const [index, seqs, arrivals] of r.received) received.set(index, { seqs, arrivals });
      closes.push(...r.closes);
    }

    // Expected receivers, computed from unit paths, roles and types alone.
    let misdelivered = 0;
    let lost = 0;
    let duplicates = 0;
    let deliveries = 0;
    const latencies: number[] = [];
    const fromCommit: number[] = [];
    for (const subscriber of subscribers) {
      const got = received.get(subscriber.index) ?? { seqs: [], arrivals: [] };
      const gotSet = new Set<number>();
      got.seqs.forEach((seq, i) => {
        if (gotSet.has(seq)) duplicates++;
        gotSet.add(seq);
        const alert = sent.get(seq);
        if (!alert || !within(alert.unitPath, subscriber.unitPath) || (subscriber.types && !subscriber.types.includes(alert.type))) {
          misdelivered++;
          return;
        }
        if (seq < WARMUP_BASE) {
          deliveries++;
          latencies.push(got.arrivals[i]! - alert.sentAt);
          const commit = committedAt.get(alert.id);
          if (commit !== undefined) fromCommit.push(got.arrivals[i]! - commit);
        }
      });
      for (const seq of expectedOf(subscriber)) if (!gotSet.has(seq)) lost++;
    }
    latencies.sort((a, b) => a - b);
    fromCommit.sort((a, b) => a - b);
    const ingestMs = [...sent.values()].filter((a) => a.seq < WARMUP_BASE).map((a) => a.answeredAt - a.sentAt).sort((a, b) => a - b);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const lines = [
      '',
      `| subscribers | alerts | deliveries | commit→client p50 | p99 | max | send→client p50 | p99 | misdelivered | lost | hub RSS peak | hub CPU | load avg |`,
      `|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
      `| ${subscribers.length} | ${total} in ${((loadEnd - loadStart) / 1000).toFixed(1)} s | ${deliveries} | ${percentile(fromCommit, 50)} ms | ${percentile(fromCommit, 99)} ms | ${fromCommit.at(-1)} ms | ${percentile(latencies, 50)} ms | ${percentile(latencies, 99)} ms | ${misdelivered} | ${lost} | ${(peakRss / 2 ** 20).toFixed(0)} MB | ${cpuPercent.toFixed(0)} % | ${load} |`,
      '',
      ...(HUBS > 1 ? [`  ${HUBS} hub processes: RSS peak ${peaks.map(mb).join(' + ')} = ${mb(peakRss)}; hub CPU and RSS in the table are their sums`] : []),
      `  GET /healthz during the load (${probes.length} probes): p50 ${percentile(probes, 50)} ms, p99 ${percentile(probes, 99)} ms, max ${probes.at(-1)} ms`,
      `  hub CPU ${cpuSeconds.toFixed(1)} s (user + system) for ${deliveries} deliveries: ${((cpuSeconds / deliveries) * 1000).toFixed(3)} CPU-s per 1,000 deliveries`,
      `  all deliveries in ${(settledAfter / 1000).toFixed(1)} s after the last ingest answered; ingest request (send → answer) p50 ${percentile(ingestMs, 50)} ms, p99 ${percentile(ingestMs, 99)} ms; duplicates ${duplicates}; sockets closed by the hub: ${closes.length}${closes.length ? ` (codes ${[...new Set(closes.map((c) => c[1]))].join(', ')})` : ''}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = misdelivered === 0 && lost === 0 && failed === 0 ? 0 : 1;
  } finally {
    for (const worker of workers) worker.kill();
    await Promise.all(
      hubs.map((h) => {
        const exited = new Promise((resolve) => h.once('exit', resolve));
        h.kill('SIGTERM');
        return exited;
      }),
    );
    if (args['cpu-prof'] && loadWindow.end > 0) {
      const exitedAt = Date.now();
      process.stdout.write(`  CPU profile in ${args['cpu-prof']}: the load phase is from ${((exitedAt - loadWindow.start) / 1000).toFixed(1)} s to ${((exitedAt - loadWindow.end) / 1000).toFixed(1)} s before the profile's end\n`);
    }
    agent.destroy();
    probeAgent.destroy();
    await listener.end();
    if (!args.keep) await dropDatabase();
  }
}

await main();
