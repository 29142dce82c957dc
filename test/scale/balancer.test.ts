import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import { killHubProcesses, startHubProcess, until, type HubProcess } from '../helpers/hub-process.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { freePort } from '../helpers/private-cluster.js';
import { signToken } from '../../src/platform/auth/jwt.js';

/**
 * Three hub processes on one PostgreSQL behind HAProxy (Debian's package), as a city would run
 * them: requests spread over all three, a subscriber anywhere hears an alert ingested anywhere,
 * a grant revoked through one process no longer holds on any, the periodic jobs act once, and a
 * process killed with SIGKILL loses nothing its callers were told was stored while its
 * WebSocket clients come back through the balancer.
 */

const HAPROXY = spawnSync('sh', ['-c', 'command -v haproxy']).stdout.toString().trim();
const BIN = fileURLToPath(new URL('../../bin/gridhub.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BACKEND_HEADER = 'x-gridhub-backend';

let haproxy: ChildProcess | undefined;
afterAll(() => {
  killHubProcesses();
  haproxy?.kill('SIGKILL');
});

/**
 * HAProxy in front of the hubs: round robin, health from /readyz every second, a connection
 * refused retried on another server, WebSockets tunnelled, and the server's name in a response
 * header so that a test can tell who answered.
 */
async function startBalancer(hubs: readonly HubProcess[], dir: string): Promise<string> {
  const port = await freePort();
  const config = [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch',
    'frontend hub',
    `  bind 127.0.0.1:${port}`,
    '  default_backend hubs',
    'backend hubs',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    // Checks tolerate a loaded machine; a process that dies is still taken out within about 3 s,
    // and until then a refused connection is retried on another server (redispatch).
    '  timeout check 5s',
    '  default-server inter 1s fall 3 rise 2',
    `  http-response set-header ${BACKEND_HEADER} %s`,
    ...hubs.map((hub, i) => `  server hub${i + 1} 127.0.0.1:${hub.port} check`),
    '',
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  haproxy = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return url;
    await sleep(100);
  }
  throw new Error('HAProxy did not start');
}

/** Where the test is, on stderr: a failure in a long scenario says which part it reached. */
const step = (what: string) => process.stderr.write(`balancer: ${what}\n`);

const bearer = async (name: string) => `Bearer ${await signToken(TEST_JWT_SECRET, name, 600)}`;

async function gql(url: string, as: string, query: string, variables: Record<string, unknown> = {}): Promise<{ backend: string | null; body: any }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(as) },
    body: JSON.stringify({ query, variables }),
  });
  return { backend: response.headers.get(BACKEND_HEADER), body: await response.json() };
}

const INGEST = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted duplicates results { status } } }';
function alert(externalId: string, unitCode = '320613006001001') {
  return { externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode };
}

/** Ingests one alert through `url` until the hub acknowledges it (ACCEPTED, or DUPLICATE of an earlier try). */
async function ingestAcknowledged(url: string, externalId: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const { body } = await gql(url, 'iot-platform', INGEST, { input: { source: 'iot-platform', records: [alert(externalId)] } });
      const status = body?.data?.ingestAlerts?.results?.[0]?.status;
      if (status === 'ACCEPTED' || status === 'DUPLICATE') return;
    } catch {
      // The connection broke (the process answering it died): not acknowledged, send again.
    }
    await sleep(100);
  }
  throw new Error(`${externalId} never acknowledged`);
}

/** A graphql-ws client through the balancer that retries, and notes which hub each of its sockets reached. */
function liveClient(url: string, authorization: string, backends: string[], received: string[]): Client {
  class Tracked extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.on('upgrade', (response) => backends.push(String(response.headers[BACKEND_HEADER])));
    }
  }
  const client = createClient({
    url: `${url.replace('http:', 'ws:')}/graphql`,
    webSocketImpl: Tracked,
    retryAttempts: 20,
    retryWait: async () => {
      await sleep(200);
    },
    shouldRetry: () => true,
    connectionParams: { authorization },
  });
  client.subscribe<{ alertRaised: { externalId: string } }>(
    { query: 'subscription { alertRaised { externalId } }' },
    { next: (value) => value.data && received.push(value.data.alertRaised.externalId), error: () => {}, complete: () => {} },
  );
  return client;
}


describe.runIf(dbKind === 'postgres')('three hub processes behind HAProxy', () => {
  it('spread, deliver across processes, revoke everywhere at once, run jobs once, and survive a SIGKILL', async () => {
    expect(HAPROXY, 'haproxy must be installed (.ci/run installs Debian\'s package)').not.toBe('');
    const fresh = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'gridhub-haproxy-'));
    const sql = postgres(fresh.url!, { max: 1, onnotice: () => {} });
    const clients: Client[] = [];
    try {
      // Overdue cases for the SLA sweep, which runs every second on every process.
      const overdue = await sql<{ id: string }[]>`
        update cases set deadline_at = now() - interval '1 hour'
        where id in (select id from cases where state in ('REPORTED', 'REGISTERED') and assignee_path like '%.%.%.%' limit 3) returning id`;
      expect(overdue.length).toBeGreaterThan(0);
      const jobs = { CASE_SWEEP_SECONDS: '1', REPORT_SCHEDULE_SECONDS: '1', DEVICE_SWEEP_SECONDS: '1' };
      const hubs: HubProcess[] = [];
      for (let i = 0; i < 3; i++) hubs.push(await startHubProcess({ DATABASE_URL: fresh.url!, ...jobs }));
      const url = await startBalancer(hubs, dir);

      step('1. Queries');
      // 1. Queries land on all three.
      const answered = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const { backend, body } = await gql(url, 'xuetian.officer', '{ alerts(first: 5) { totalCount } }');
        expect(body.errors).toBeUndefined();
        answered.set(String(backend), (answered.get(String(backend)) ?? 0) + 1);
      }
      expect([...answered.keys()].sort()).toEqual(['hub1', 'hub2', 'hub3']);

      step('2. Subscribers');
      // 2. Subscribers on every process hear alerts ingested through any process.
      const token = await bearer('shuguang.officer');
      const sockets: { backends: string[]; received: string[] }[] = [];
      for (let i = 0; i < 3; i++) {
        const socket = { backends: [] as string[], received: [] as string[] };
        sockets.push(socket);
        clients.push(liveClient(url, token, socket.backends, socket.received));
        await until(() => socket.backends.length > 0, 10_000, 'a socket', 100);
      }
      expect(new Set(sockets.map((s) => s.backends[0])).size).toBe(3);
      // Registration follows the ack: probe until every subscriber hears one.
      let probe = 0;
      await until(async () => {
        await ingestAcknowledged(url, `probe-${probe++}`);
        return sockets.every((s) => s.received.some((id) => id.startsWith('probe-')));
      }, 20_000, 'every subscriber to register', 100);
      const sent = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'];
      for (const id of sent) await ingestAcknowledged(url, id);
      await until(() => sockets.every((s) => sent.every((id) => s.received.includes(id))), 10_000, 'every alert on every socket', 100);
      for (const socket of sockets) expect(socket.received.filter((id) => sent.includes(id))).toEqual(sent);

      step('3. A grant');
      // 3. A grant revoked through one process holds at once on all three (asked directly, not through the balancer).
      const granted = await gql(url, 'city.admin', 'mutation ($input: GrantAccessInput!) { grantAccess(input: $input) { id } }', {
        input: { kind: 'ALERT', granteeUnitCode: '320613008', withinUnitCode: '320613006', reason: 'joint patrol', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(granted.body.errors).toBeUndefined();
      const visible = async (hub: HubProcess) => (await gql(hub.url, 'wenfeng.officer', '{ alerts(filter: { unitCode: "320613006" }, first: 1) { totalCount } }')).body;
      for (const hub of hubs) expect((await visible(hub)).data.alerts.totalCount).toBeGreaterThan(0);
      const revoked = await gql(hubs[0]!.url, 'city.admin', 'mutation ($id: ID!) { revokeAccess(id: $id) { active } }', { id: granted.body.data.grantAccess.id });
      expect(revoked.body.data.revokeAccess.active).toBe(false);
      for (const hub of hubs) {
        const after = await visible(hub);
        expect(after.data?.alerts?.totalCount ?? 0, hub.url).toBe(0);
      }

      step('4. The jobs');
      // 4. The jobs acted once: each overdue case escalated once, one report per unit and period.
      await until(async () => (await sql`select 1 from case_history where action = 'ESCALATE' and case_id in ${sql(overdue.map((c) => c.id))}`).length >= overdue.length, 15_000, 'the SLA sweep', 100);
      await sleep(3000);
      const escalations = await sql<{ n: number }[]>`select count(*)::int as n from case_history where action = 'ESCALATE' and case_id in ${sql(overdue.map((c) => c.id))} group by case_id`;
      expect(escalations.map((e) => e.n)).toEqual(overdue.map(() => 1));
      const reports = await sql<{ n: number }[]>`select count(*)::int as n from reports group by unit_code, period_from, period_to having count(*) > 1`;
      expect(reports).toEqual([]);

      step('5. SIGKILL');
      // 5. SIGKILL one process while a client ingests through the balancer: every acknowledged alert is stored once.
      const victim = sockets[0]!.backends[0]!;
      const victimHub = hubs[Number(victim.replace('hub', '')) - 1]!;
      const acknowledged: string[] = [];
      let stop = false;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          const id = `k-${i}`;
          await ingestAcknowledged(url, id);
          acknowledged.push(id);
        }
      })();
      await until(() => acknowledged.length >= 20, 20_000, 'ingest before the kill', 100);
      victimHub.child.kill('SIGKILL');
      await victimHub.exited;
      const atKill = acknowledged.length;
      await until(() => acknowledged.length >= atKill + 30, 30_000, 'ingest after the kill', 100);
      stop = true;
      await writer;
      const stored = await sql<{ external_id: string; n: number }[]>`
        select external_id, count(*)::int as n from alerts where source = 'iot-platform' and external_id like 'k-%' group by external_id`;
      const counts = new Map(stored.map((r) => [r.external_id, r.n]));
      expect(acknowledged.filter((id) => counts.get(id) !== 1)).toEqual([]);

      step('... and the socket');
      // ... and the socket that was on it comes back through the balancer to a live process and hears new alerts.
      await until(() => sockets[0]!.backends.length > 1, 20_000, 'the socket to reconnect', 100);
      expect(sockets[0]!.backends.at(-1)).not.toBe(victim);
      await sleep(1000);
      await ingestAcknowledged(url, 'after-kill');
      await until(() => sockets.every((s) => s.received.includes('after-kill')), 15_000, 'the alert after the kill on every socket', 100);

      step('The audit chain');
      // The audit chain written by three processes at once still verifies.
      const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: fresh.url!, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
      expect(verify.status, verify.stdout + verify.stderr).toBe(0);

      // The clients go first: once every process is gone, the balancer answers their retries 503.
      for (const client of clients.splice(0)) await client.dispose();
      for (const hub of hubs) if (hub !== victimHub) hub.child.kill('SIGTERM');
      await Promise.all(hubs.filter((h) => h !== victimHub).map((h) => h.exited));
    } finally {
      for (const client of clients) await client.dispose();
      haproxy?.kill('SIGKILL');
      await sql.end();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
