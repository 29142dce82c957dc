import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { dbKind } from '../helpers/hub.js';
import { gridhubCli, killHubProcesses, startHubProcess, until, type HubProcess } from '../helpers/hub-process.js';
import { createPrivateCluster, createReplicaCluster, type PrivateCluster } from '../helpers/private-cluster.js';
import { parseMetrics, valueOf } from '../helpers/metrics.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';

/**
 * A read replica: a primary and a streaming standby made from it with `pg_basebackup -R`, each
 * a private cluster of this test's own on its own port. List reads are served by the replica
 * (its statements and the routing metric say so, and with replay paused they are stale for
 * everyone but the writer); the writer reads its own write at once; a revoked grant holds at
 * once although the replica lags; while it lags beyond REPLICA_MAX_LAG_MS or is stopped, reads
 * answer from the primary.
 * Only on PostgreSQL: PGlite (the embedded database) has no replication.
 */

const XUETIAN = '320613006';

let primary: PrivateCluster | undefined;
let replica: PrivateCluster | undefined;
afterAll(() => {
  killHubProcesses();
  replica?.destroy();
  primary?.destroy();
});



const tokens = new Map<string, string>();
async function bearer(name: string): Promise<string> {
  if (!tokens.has(name)) tokens.set(name, `Bearer ${await signToken(TEST_JWT_SECRET, name, 3600)}`);
  return tokens.get(name)!;
}

async function gql(hub: HubProcess, as: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(as) },
    body: JSON.stringify({ query, variables }),
  });
  const body: any = await response.json();
  expect(response.status, JSON.stringify(body.errors)).toBe(200);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

/** The newest OPEN alert of xuetian street and how many there are, as `as` reads them. */
const OPEN_ALERTS = `query Open($unit: String!) { alerts(first: 1, filter: { unitCode: $unit, statuses: [OPEN] }) { totalCount edges { node { id } } } }`;
async function openAlerts(hub: HubProcess, as: string): Promise<{ total: number; newest: string | null }> {
  const data = await gql(hub, as, OPEN_ALERTS, { unit: XUETIAN });
  return { total: data.alerts.totalCount, newest: data.alerts.edges[0]?.node.id ?? null };
}

async function metrics(hub: HubProcess): Promise<ReturnType<typeof parseMetrics>> {
  return parseMetrics(await (await fetch(`${hub.url}/metrics`)).text());
}

/** The change of the reads counter (and of the replica pool's statements) over `run`. */
async function routed(hub: HubProcess, run: () => Promise<void>): Promise<{ replica: number; primary: Record<string, number>; replicaStatements: number }> {
  const before = await metrics(hub);
  await run();
  const after = await metrics(hub);
  const delta = (labels: Record<string, string>) => valueOf(after, 'gridhub_db_reads_total', labels) - valueOf(before, 'gridhub_db_reads_total', labels);
  const reasons = ['writing', 'own_write', 'lagging', 'down'];
  return {
    replica: delta({ target: 'replica' }),
    primary: Object.fromEntries(reasons.map((reason) => [reason, delta({ target: 'primary', reason })]).filter(([, n]) => n !== 0)),
    replicaStatements: valueOf(after, 'gridhub_db_statements_total', { pool: 'replica' }) - valueOf(before, 'gridhub_db_statements_total', { pool: 'replica' }),
  };
}

describe.runIf(dbKind === 'postgres')('a read replica (pg_basebackup -R into a second private cluster)', () => {
  it('serves lists from the replica, reads the writer its own writes, keeps revocations at once, and reads the primary while the replica lags or is stopped', async () => {
    primary = await createPrivateCluster();
    const admin = postgres(primary.url('postgres'), { max: 1, onnotice: () => {} });
    await admin`create database gridhub`;
    await admin.end();
    gridhubCli(['migrate'], primary.url('gridhub'));
    gridhubCli(['seed', '--demo'], primary.url('gridhub'));
    replica = await createReplicaCluster(primary);
    const standby = postgres(replica.url('gridhub'), { max: 1, onnotice: () => {} });
    try {
      expect((await standby`select pg_is_in_recovery() as r`)[0]!['r']).toBe(true);
      const hub = await startHubProcess({
        DATABASE_URL: primary.url('gridhub'),
        DATABASE_REPLICA_URL: replica.url('gridhub'),
        REPLICA_MAX_LAG_MS: '60000',
        REPLICA_READ_WAIT_MS: '100',
      });
      const ready: any = await (await fetch(`${hub.url}/readyz`)).json();
      expect(ready).toMatchObject({ status: 'ready', replica: { up: true } });

      // A list is served by the replica: its pool runs the statements, on the replica's server.
      const first = await routed(hub, async () => void (await openAlerts(hub, 'xuetian.officer')));
      expect(first).toMatchObject({ replica: 1, primary: {} });
      expect(first.replicaStatements).toBeGreaterThanOrEqual(2); // the page and its totalCount
      const sessions = await standby`select count(*)::int as n from pg_stat_activity where application_name = 'gridhub-replica'`;
      expect(sessions[0]!['n']).toBeGreaterThan(0);

      // Replay paused: the writer reads its own acknowledgement at once (from the primary, after
      // waiting REPLICA_READ_WAIT_MS for the replica); the district above reads the replica, stale.
      const before = await openAlerts(hub, 'chongchuan.officer');
      expect(before.total).toBeGreaterThan(0);
      expect(await openAlerts(hub, 'xuetian.officer')).toEqual(before);
      await standby`select pg_wal_replay_pause()`;
      await gql(hub, 'xuetian.officer', `mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { status } }`, { id: before.newest });
      let writer: { total: number; newest: string | null } | undefined;
      const writerRoute = await routed(hub, async () => void (writer = await openAlerts(hub, 'xuetian.officer')));
      expect(writer!.total).toBe(before.total - 1);
      expect(writer!.newest).not.toBe(before.newest);
      expect(writerRoute.primary).toEqual({ own_write: 1 });
      let other: { total: number; newest: string | null } | undefined;
      const otherRoute = await routed(hub, async () => void (other = await openAlerts(hub, 'chongchuan.officer')));
      expect(other).toEqual(before);
      expect(otherRoute).toMatchObject({ replica: 1, primary: {} });

      // Replay resumed: everyone reads the acknowledgement, from the replica again.
      await standby`select pg_wal_replay_resume()`;
      await until(async () => (await openAlerts(hub, 'chongchuan.officer')).total === before.total - 1, 30_000, 'the replica to replay the acknowledgement');
      await until(async () => (await routed(hub, async () => void (await openAlerts(hub, 'xuetian.officer')))).replica === 1, 5_000, "the writer's reads to return to the replica");

      // A grant revoked while replay is paused ends at once: access is decided on the primary,
      // and only the records are read from the replica.
      const COUNT = `query Count($unit: String!) { alerts(first: 1, filter: { unitCode: $unit }) { totalCount } }`;
      const own = (await gql(hub, 'xuetian.officer', COUNT, { unit: XUETIAN })).alerts.totalCount;
      expect((await gql(hub, 'wenfeng.officer', COUNT, { unit: XUETIAN })).alerts.totalCount).toBe(0);
      const GRANT = `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`;
      const input = { granteeUnitCode: '320613008', kind: 'ALERT', withinUnitCode: XUETIAN, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), reason: '联合消防检查' };
      const grant = (await gql(hub, 'city.admin', GRANT, { input })).grantAccess.id;
      expect((await gql(hub, 'wenfeng.officer', COUNT, { unit: XUETIAN })).alerts.totalCount).toBe(own);
      await standby`select pg_wal_replay_pause()`;
      await gql(hub, 'city.admin', `mutation Revoke($id: ID!) { revokeAccess(id: $id) { active } }`, { id: grant });
      let afterRevoke = -1;
      const revokedRoute = await routed(hub, async () => void (afterRevoke = (await gql(hub, 'wenfeng.officer', COUNT, { unit: XUETIAN })).alerts.totalCount));
      expect(afterRevoke).toBe(0);
      expect(revokedRoute).toMatchObject({ replica: 1, primary: {} });
      await standby`select pg_wal_replay_resume()`;
    } finally {
      await standby.end({ timeout: 1 });
    }

    // Lagging beyond REPLICA_MAX_LAG_MS: every read goes to the primary until the replica catches up.
    const hub = await startHubProcess({ DATABASE_URL: primary.url('gridhub'), DATABASE_REPLICA_URL: replica.url('gridhub'), REPLICA_MAX_LAG_MS: '1000' });
    const expected = await openAlerts(hub, 'chongchuan.officer');
    const paused = postgres(replica.url('gridhub'), { max: 1, onnotice: () => {} });
    const writer = postgres(primary.url('gridhub'), { max: 1, onnotice: () => {} });
    try {
      await paused`select pg_wal_replay_pause()`;
      await writer`create table replica_lag_probe (id int)`;
      await until(async () => ((await (await fetch(`${hub.url}/readyz`)).json()) as any).replica?.lagMs > 1000, 10_000, 'the lag to pass REPLICA_MAX_LAG_MS');
      const lagging = await routed(hub, async () => expect(await openAlerts(hub, 'chongchuan.officer')).toEqual(expected));
      expect(lagging).toMatchObject({ replica: 0, primary: { lagging: 1 } });
      expect(valueOf(await metrics(hub), 'gridhub_replica_lag_seconds')).toBeGreaterThan(1);
      await paused`select pg_wal_replay_resume()`;
      await until(async () => (await routed(hub, async () => void (await openAlerts(hub, 'chongchuan.officer')))).replica === 1, 10_000, 'reads to return to the caught-up replica');
    } finally {
      await Promise.all([paused.end({ timeout: 1 }), writer.end({ timeout: 1 })]);
    }

    // The replica stopped: reads still answer, from the primary, and /readyz stays ready.
    replica.stop();
    // A read racing the stop: the replica's statements that fail are sent to the primary.
    expect(await openAlerts(hub, 'chongchuan.officer')).toEqual(expected);
    await until(async () => ((await (await fetch(`${hub.url}/readyz`)).json()) as any).replica?.up === false, 5_000, 'the hub to notice the replica is down');
    const down = await routed(hub, async () => expect(await openAlerts(hub, 'chongchuan.officer')).toEqual(expected));
    expect(down.replica).toBe(0);
    expect(down.primary['down']).toBe(1);
    const ready: any = await (await fetch(`${hub.url}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', replica: { up: false } });
    expect(valueOf(await metrics(hub), 'gridhub_replica_up')).toBe(0);
    // Started again: found by the next sample, and reads return to it.
    replica.start();
    await until(async () => (await routed(hub, async () => void (await openAlerts(hub, 'chongchuan.officer')))).replica === 1, 30_000, 'reads to return to the restarted replica');
  }, 300_000);
});
