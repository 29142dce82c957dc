/**
 * `npm run bench:replica [-- --duration 10 --warmup 3 --rounds 3]`
 *
 * Q1 (the 20 latest alerts of a street with unit and device, as xuetian.officer) on two hubs
 * over the same data, in the same run, rounds interleaved:
 *
 *   primary   `gridhub serve` on DATABASE_URL alone
 *   replica   `gridhub serve` with DATABASE_REPLICA_URL too: Q1's reads go to the replica
 *
 * The data: the bench dataset (`npm run bench:data`, database gridhub_bench on the shared
 * server) copied with pg_dump/pg_restore into a private PostgreSQL cluster (the primary), and a
 * streaming replica of it made with `pg_basebackup -R` in a second private cluster on another
 * port (test/helpers/private-cluster.ts). Both clusters run on this one machine, so the figures
 * show what the routing costs the hub (its CPU a request, req/s), not the capacity a replica on
 * its own machine adds. Every cell also checks the routing metric: on the replica hub every Q1
 * read went to the replica.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { signToken } from '../src/platform/auth/jwt.js';
import { createPrivateCluster, createReplicaCluster, PG_BIN, type PrivateCluster } from '../test/helpers/private-cluster.js';
import { benchDatabaseUrl } from './dataset.js';
import { startHubProcess, type HubProcess } from './hub-process.js';
import { cpuMs } from './process-cpu.js';
import { ROUND_OPTIONS, roundSettings } from './rounds.js';

const { values: options } = parseArgs({
  options: {
    ...ROUND_OPTIONS,
  },
});
const { duration: DURATION, warmup: WARMUP, rounds: ROUNDS, connections: CONNECTIONS } = roundSettings(options);
const JWT_SECRET = 'bench-replica-secret-0123456789abcdef';
const DATABASE = 'gridhub_bench';

const Q1 = /* GraphQL */ `query Q1 { alerts(first: 20) { edges { node {
  id type severity status occurredAt unit { code name tier } device { id externalId name type status } } } } }`;

const log = (line: string) => process.stderr.write(`[bench:replica] ${line}\n`);

/** Runs a PostgreSQL client; `tolerated`: error lines that do not count as a failure. */
function run(binary: string, args: readonly string[], tolerated?: RegExp): void {
  const result = spawnSync(join(PG_BIN, binary), args, { encoding: 'utf8', timeout: 1_800_000 });
  if (result.status === 0) return;
  const errors = result.stderr.split('\n').filter((line) => /error:/.test(line) && !/errors ignored on restore/.test(line));
  if (tolerated && errors.length > 0 && errors.every((line) => tolerated.test(line))) return;
  throw new Error(`${binary} ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
}

/** The bench dataset copied into a fresh private cluster, and a streaming replica of that cluster. */
async function clusters(): Promise<{ primary: PrivateCluster; replica: PrivateCluster }> {
  const primary = await createPrivateCluster();
  const dump = mkdtempSync(join(tmpdir(), 'gridhub-bench-dump-'));
  try {
    let started = Date.now();
    run('pg_dump', ['-d', benchDatabaseUrl(), '-F', 'd', '-j', '2', '-f', join(dump, 'd')]);
    run('createdb', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', DATABASE]);
    // The row-security policies of the PostgreSQL-RLS peer name roles of the shared server that
    // this cluster does not have; the hub needs neither them nor the grants to them.
    run('pg_restore', ['-d', primary.url(DATABASE), '-j', '2', '--no-owner', '--no-privileges', join(dump, 'd')], /role "[^"]+" does not exist/);
    log(`dataset copied into the primary in ${Math.round((Date.now() - started) / 1000)} s`);
    started = Date.now();
    const replica = await createReplicaCluster(primary);
    log(`replica made with pg_basebackup -R in ${Math.round((Date.now() - started) / 1000)} s`);
    const sql = postgres(primary.url(DATABASE), { max: 1, onnotice: () => {} });
    await sql`analyze`;
    await sql.end();
    return { primary, replica };
  } catch (error) {
    primary.destroy();
    throw error;
  } finally {
    rmSync(dump, { recursive: true, force: true });
  }
}

/** Waits until the replica has replayed everything the primary has written so far. */
async function caughtUp(primary: PrivateCluster, replica: PrivateCluster): Promise<void> {
  const p = postgres(primary.url(DATABASE), { max: 1, onnotice: () => {} });
  const r = postgres(replica.url(DATABASE), { max: 1, onnotice: () => {} });
  try {
    const [{ lsn }] = (await p`select pg_current_wal_lsn()::text as lsn`) as unknown as [{ lsn: string }];
    for (;;) {
      const [{ behind }] = (await r`select pg_wal_lsn_diff(${lsn}::pg_lsn, pg_last_wal_replay_lsn()) > 0 as behind`) as unknown as [{ behind: boolean }];
      if (!behind) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await Promise.all([p.end(), r.end()]);
  }
}

interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  bad: number;
  /** Reads the hub routed to the replica during the cell, and to the primary. */
  toReplica: number;
  toPrimary: number;
}

async function readsRouted(hub: HubProcess): Promise<{ replica: number; primary: number }> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const sum = (target: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('gridhub_db_reads_total{') && line.includes(`target="${target}"`))
      .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  return { replica: sum('replica'), primary: sum('primary') };
}

async function measure(hub: HubProcess, token: string, seconds: number): Promise<Measured> {
  const pid = hub.child.pid!;
  const cpuBefore = cpuMs(pid);
  const routedBefore = await readsRouted(hub);
  const result = await autocannon({
    url: `${hub.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: Q1 }),
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  const cpu = cpuMs(pid) - cpuBefore;
  const routedAfter = await readsRouted(hub);
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : NaN,
    bad: result.non2xx + result.errors + result.timeouts,
    toReplica: routedAfter.replica - routedBefore.replica,
    toPrimary: routedAfter.primary - routedBefore.primary,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { primary, replica } = await clusters();
  const hubs: HubProcess[] = [];
  try {
    await caughtUp(primary, replica);
    // One principal sends every request: its cost budget a minute must not be what is measured.
    const unlimited = { COST_BUDGET_PER_MINUTE: '1000000000' };
    const env = { ...unlimited, REPLICA_MAX_LAG_MS: '5000', REPLICA_READ_WAIT_MS: '100' };
    const targets = {
      primary: await startHubProcess({ databaseUrl: primary.url(DATABASE), jwtSecret: JWT_SECRET, env: unlimited }),
      replica: await startHubProcess({ databaseUrl: primary.url(DATABASE), jwtSecret: JWT_SECRET, env: { ...env, DATABASE_REPLICA_URL: replica.url(DATABASE) } }),
    };
    hubs.push(targets.primary, targets.replica);
    const token = await signToken(JWT_SECRET, 'xuetian.officer', 3600);
    // Both answer the same 20 alerts.
    const answers = await Promise.all(
      Object.values(targets).map(async (hub) => {
        const response = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: Q1 }) });
        return JSON.stringify(((await response.json()) as { data: unknown }).data);
      }),
    );
    if (answers[0] !== answers[1] || !answers[0]!.includes('"id"')) throw new Error(`the two hubs answer Q1 differently: ${answers.map((a) => a.slice(0, 200)).join(' / ')}`);
    const cells: Record<keyof typeof targets, Measured[]> = { primary: [], replica: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = (round % 2 === 0 ? ['primary', 'replica'] : ['replica', 'primary']) as (keyof typeof targets)[];
      for (const name of order) {
        await measure(targets[name], token, WARMUP);
        const cell = await measure(targets[name], token, DURATION);
        cells[name].push(cell);
        log(`round ${round + 1} ${name}: ${cell.reqPerSec.toFixed(0)} req/s, ${cell.cpuMsPerRequest.toFixed(2)} hub CPU ms/request, reads to replica ${cell.toReplica}, to primary ${cell.toPrimary}`);
      }
    }
    const lines = [
      `Q1 (xuetian.officer, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s, median), primary and replica private clusters on this machine`,
      '| hub | req/s | p50 ms | p99 ms | hub CPU ms/request | reads to replica / primary | non-2xx+errors |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...(Object.keys(cells) as (keyof typeof targets)[]).map((name) => {
        const list = cells[name];
        const sum = (pick: (m: Measured) => number) => list.reduce((total, m) => total + pick(m), 0);
        return `| ${name === 'primary' ? 'DATABASE_URL only' : 'with DATABASE_REPLICA_URL'} | ${median(list.map((m) => m.reqPerSec)).toFixed(0)} | ${median(list.map((m) => m.p50))} | ${median(list.map((m) => m.p99))} | ${median(list.map((m) => m.cpuMsPerRequest)).toFixed(2)} | ${sum((m) => m.toReplica)} / ${sum((m) => m.toPrimary)} | ${sum((m) => m.bad)} |`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(hubs.map((hub) => hub.close()));
    replica.destroy();
    primary.destroy();
  }
}

await main();
