/**
 * `npm run bench:hub-cpu [-- --only q1,q2 --duration 8 --rounds 2 --node-args "--cpu-prof"]`
 *
 * The hub alone, as `bench:query` starts it, under Q1 and Q2 of `bench:query` (same queries,
 * same principals, 10 connections): req/s and the hub process's CPU time per request from
 * `/proc/<pid>/stat` (user + system), the figure that compares across runs on a shared machine
 * where throughput does not. `--node-args` passes flags to the hub's node (`--cpu-prof`, …);
 * `--cwd` starts the hub from another checkout (to alternate old and new code in one run).
 * Run nothing else heavy beside it: a benchmark beside it moves its figures.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signToken } from '../src/platform/auth/jwt.js';
import { benchDatabaseUrl } from './dataset.js';
import { startHubProcess } from './hub-process.js';
import { cpuMs } from './process-cpu.js';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string', default: 'q1,q2' },
    'node-args': { type: 'string', default: '' },
    cwd: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
  },
});

const Q1 = `query Q1 { alerts(first: 20) { edges { node {
  id type severity status occurredAt unit { code name tier } device { id externalId name type status } } } } }`;
const Q2_FIELDS = 'number title category severity state openedAt deadlineAt';
const Q2_HISTORY = 'seq action actor at fromState toState note';
const Q2 = `query Q2($states: [CaseState!]) { cases(filter: { states: $states }, first: 20) { edges { node {
  id ${Q2_FIELDS} assignee { code name } history { ${Q2_HISTORY} } } } } }`;
const OPEN_CASE_STATES = ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'VERIFIED', 'SUSPENDED'];

const secret = randomBytes(32).toString('hex');
// As bench:query starts it (LOG_LEVEL silent there too).
const hub = await startHubProcess({
  databaseUrl: benchDatabaseUrl(),
  jwtSecret: secret,
  nodeArgs: options['node-args'].split(' ').filter(Boolean),
  cwd: options.cwd,
  env: { LOG_LEVEL: 'silent' },
});
const pid = hub.child.pid!;
const cells = [
  { name: 'Q1', body: JSON.stringify({ query: Q1, variables: {} }), token: await signToken(secret, 'xuetian.officer', 3600) },
  { name: 'Q2', body: JSON.stringify({ query: Q2, variables: { states: OPEN_CASE_STATES } }), token: await signToken(secret, 'shuguang.officer', 3600) },
].filter((c) => options.only.split(',').includes(c.name.toLowerCase()));

async function load(cell: (typeof cells)[number], seconds: number) {
  const before = cpuMs(pid);
  const result = await autocannon({
    url: `${hub.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cell.token}` },
    body: cell.body,
    connections: 10,
    duration: seconds,
  });
  const cpu = cpuMs(pid) - before;
  if (result.non2xx || result.errors) throw new Error(`${cell.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cpuPerRequest: cpu / result.requests.total };
}

try {
  for (const cell of cells) await load(cell, Number(options.warmup));
  for (let round = 1; round <= Number(options.rounds); round++) {
    for (const cell of cells) {
      const m = await load(cell, Number(options.duration));
      const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      process.stdout.write(`round ${round} ${cell.name}  ${m.rps.toFixed(0).padStart(5)} req/s  p99 ${m.p99} ms  ${m.cpuPerRequest.toFixed(3)} ms CPU/request  (load ${loadavg})\n`);
    }
  }
} finally {
  await hub.close();
}
