/**
 * `npm run bench:levers [-- --only http,node,hub --rounds 5 --duration 8 --warmup 3 --before <checkout>]`
 *
 * The levers of issue 21's "level with the peer that checks nothing", each alternated against
 * what it would replace in one run, on Q1 (`bench:query`'s, 10 connections): req/s and the
 * server process's CPU ms a request from `/proc/<pid>/stat`, medians and the ratio B / A.
 *
 *   http  the bare stack (bench/peers/stack.ts: Apollo 5, graphql 16, type-graphql 2, Q1's 20
 *         alerts from memory) through @as-integrations/express5 on express 5 (A) against
 *         @as-integrations/fastify on Fastify 5 (B), both on this Node; the answers must be the
 *         same bytes.
 *   node  the same express stack, and the hub itself (`gridhub serve` in its own process, Q1
 *         as xuetian.officer, as bench:hub-cpu), on this Node (A) against Node 24 from the npm
 *         `node` package (B, fetched by `npx -p node@24` as .ci/run does).
 *   hub   only with `--before <checkout>`: the hub of that checkout (A) against this one's (B),
 *         both on this Node: a change of the hub's own per-request work.
 *
 * The hubs get bench/hub-process.ts's cost budget, set past what a benchmark spends.
 *
 * Within a round the order of A and B alternates (A B, then B A, …). Every server runs for the
 * whole run and is idle while the other is loaded. Run it alone: `flock /work/bench.lock …`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signToken } from '../src/platform/auth/jwt.js';
import { benchDatabaseUrl } from './dataset.js';
import { awaitBanner, startHubProcess } from './hub-process.js';
import { assertListens, cpuMs } from './process-cpu.js';

const { values: options } = parseArgs({
  options: {
    only: { type: 'string', default: 'http,node' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    before: { type: 'string' },
    node24: { type: 'string', default: '24' },
  },
});
const ONLY = new Set(options.only.split(','));
const ROUNDS = Number(options.rounds);
const DURATION = Number(options.duration);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const Q1 = `query Q1 { alerts(first: 20) { edges { node {
  id type severity status occurredAt unit { code name tier } device { id externalId name type status } } } } }`;
const Q1_BODY = JSON.stringify({ query: Q1, variables: {} });

interface Target {
  label: string;
  url: string;
  child: ChildProcess;
  headers: Record<string, string>;
  close(): Promise<void>;
}

interface Measured {
  rps: number;
  p99: number;
  cpu: number;
}

/** The node binary of `npx -p node@<major>` (downloaded once into npm's cache). */
function nodeBinary(major: string): string {
  const found = spawnSync('npx', ['-y', '-p', `node@${major}`, '--', 'node', '-p', 'process.execPath + " " + process.version'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`npx -p node@${major} failed: ${found.stderr}`);
  const [path, version] = found.stdout.trim().split(' ');
  process.stdout.write(`Node ${major}: ${version} (${path})\n`);
  return path!;
}

function startStack(label: string, node: string, http: 'express' | 'fastify'): Promise<Target> {
  const child = spawn(node, ['--import', 'tsx', 'bench/peers/stack.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: benchDatabaseUrl(), NODE_ENV: 'production', PORT: '0', STACK_HTTP: http },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return awaitBanner(child, /listening (\d+)/, label).then(({ match, close }) => {
    assertListens(child.pid!, Number(match[1]), label);
    return { label, url: `http://127.0.0.1:${match[1]}`, child, headers: {}, close };
  });
}

async function startHub(label: string, secret: string, node: string, cwd = ROOT): Promise<Target> {
  const hub = await startHubProcess({ databaseUrl: benchDatabaseUrl(), jwtSecret: secret, node, cwd, env: { LOG_LEVEL: 'silent' } });
  assertListens(hub.child.pid!, Number(new URL(hub.url).port), label);
  const token = await signToken(secret, 'xuetian.officer', 3600);
  return { label, url: hub.url, child: hub.child, headers: { authorization: `Bearer ${token}` }, close: hub.close };
}

async function answer(target: Target): Promise<string> {
  const response = await fetch(`${target.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body: Q1_BODY });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`${target.label}: ${response.status} ${text.slice(0, 300)}`);
  return text;
}

async function load(target: Target, seconds: number): Promise<Measured> {
  const pid = target.child.pid!;
  const before = cpuMs(pid);
  const result = await autocannon({
    url: `${target.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: Q1_BODY,
    connections: 10,
    duration: seconds,
  });
  const cpu = cpuMs(pid) - before;
  if (result.non2xx || result.errors) throw new Error(`${target.label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cpu: cpu / result.requests.total };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A against B, alternated: prints every round, the medians and B / A. */
async function compare(title: string, a: Target, b: Target, sameBytes: boolean): Promise<void> {
  const [bodyA, bodyB] = [await answer(a), await answer(b)];
  const data = (body: string): string => JSON.stringify(JSON.parse(body).data);
  if (sameBytes ? bodyA !== bodyB : data(bodyA) !== data(bodyB)) throw new Error(`${title}: ${a.label} and ${b.label} answer differently (${bodyA.length} against ${bodyB.length} bytes)`);
  process.stdout.write(`\n== ${title}: A ${a.label}, B ${b.label} (${Buffer.byteLength(bodyA)}${sameBytes ? ' bytes, the same in both' : ` and ${Buffer.byteLength(bodyB)} bytes, the same data`}); load ${loadavg()}\n`);
  for (const t of [a, b]) await load(t, Number(options.warmup));
  const runs = new Map<Target, Measured[]>([[a, []], [b, []]]);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? [a, b] : [b, a];
    const line: string[] = [];
    for (const t of order) {
      const m = await load(t, DURATION);
      runs.get(t)!.push(m);
      line.push(`${t.label} ${m.rps.toFixed(0)} req/s ${m.cpu.toFixed(3)} ms CPU/req p99 ${m.p99} ms`);
    }
    process.stdout.write(`  round ${round}: ${line.join('   ')}   (load ${loadavg()})\n`);
  }
  const med = (t: Target, key: keyof Measured) => median(runs.get(t)!.map((m) => m[key]));
  for (const t of [a, b]) process.stdout.write(`  median ${t.label.padEnd(24)} ${med(t, 'rps').toFixed(0).padStart(6)} req/s   ${med(t, 'cpu').toFixed(3)} ms CPU/request   p99 ${med(t, 'p99')} ms\n`);
  const perRound = runs.get(a)!.map((m, i) => (runs.get(b)![i]!.cpu / m.cpu).toFixed(2)).join(', ');
  process.stdout.write(`  B / A: req/s ${(med(b, 'rps') / med(a, 'rps')).toFixed(2)}×   CPU/request ${(med(b, 'cpu') / med(a, 'cpu')).toFixed(2)}× (rounds: ${perRound})   load ${loadavg()}\n`);
}

const node20 = process.execPath;
process.stdout.write(`bench:levers ${new Date().toISOString()}  Node ${process.version}  load ${loadavg()}\n`);
const node24 = ONLY.has('node') ? nodeBinary(options.node24) : undefined;
const secret = randomBytes(32).toString('hex');
const started: Target[] = [];
const keep = async (t: Promise<Target>): Promise<Target> => {
  const target = await t;
  started.push(target);
  return target;
};
try {
  if (ONLY.has('http')) {
    const express = await keep(startStack(`express5 (Node ${process.versions.node})`, node20, 'express'));
    const fastify = await keep(startStack(`fastify5 (Node ${process.versions.node})`, node20, 'fastify'));
    await compare('HTTP layer: the bare stack, Q1 from memory', express, fastify, true);
  }
  if (ONLY.has('node')) {
    const stack20 = started.find((t) => t.label.startsWith('express5')) ?? (await keep(startStack(`express5 (Node ${process.versions.node})`, node20, 'express')));
    const stack24 = await keep(startStack(`express5 (Node ${options.node24})`, node24!, 'express'));
    await compare('Node: the bare stack (express 5), Q1 from memory', stack20, stack24, true);
    const hub20 = await keep(startHub(`hub (Node ${process.versions.node})`, secret, node20));
    const hub24 = await keep(startHub(`hub (Node ${options.node24})`, secret, node24!));
    await compare('Node: the hub, Q1 as xuetian.officer', hub20, hub24, false);
  }
  if (ONLY.has('hub')) {
    if (!options.before) throw new Error('--only hub needs --before <checkout>');
    const before = await keep(startHub('hub before', secret, node20, options.before));
    const after = await keep(startHub('hub after', secret, node20));
    await compare(`the hub's own work: ${options.before} against ${ROOT}`, before, after, false);
  }
} finally {
  await Promise.all(started.map((t) => t.close()));
}
