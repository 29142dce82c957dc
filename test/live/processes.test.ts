import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import { subscribe, wsClient } from '../helpers/ws.js';
import { killHubProcesses, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { placementOf } from '../../src/platform/db/placement.js';

/**
 * Hubs as real processes (`node bin/gridhub.js serve`): two on one Postgres deliver each other's
 * alerts, delivery resumes after the LISTEN connection is killed (and what was committed in
 * the gap arrives once), and SIGTERM closes open subscriptions with 1001 before the process exits.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
afterAll(killHubProcesses);

const startHub = startHubProcess;

async function ingest(hub: HubProcess, externalId: string, unitCode: string): Promise<string> {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await signToken(TEST_JWT_SECRET, 'iot-platform', 600)}` },
    body: JSON.stringify({
      query: 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted results { id: recordId } } }',
      variables: { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode }] } },
    }),
  });
  const body = (await response.json()) as { data: { ingestAlerts: { accepted: number; results: { id: string }[] } } };
  expect(body.data.ingestAlerts.accepted).toBe(1);
  return body.data.ingestAlerts.results[0]!.id;
}

const RAISED = 'subscription { alertRaised { id externalId unit { code } } }';
interface Raised {
  id: string;
  externalId: string;
  unit: { code: string };
}

describe.runIf(dbKind === 'postgres')('two hub processes on one Postgres', () => {
  it('deliver each other’s alerts; after the database refuses connections and the LISTEN connections are killed, delivery resumes by itself and an alert committed in the gap arrives once', async () => {
    const fresh = await freshDatabase();
    const a = await startHub({ DATABASE_URL: fresh.url! });
    const b = await startHub({ DATABASE_URL: fresh.url! });
    try {
      const token = `Bearer ${await signToken(TEST_JWT_SECRET, 'shuguang.officer', 600)}`;
      const onB = await subscribe<Raised>(b.wsUrl, token, RAISED);
      const onA = await subscribe<Raised>(a.wsUrl, token, RAISED);
      // Subscriptions register asynchronously after the ack: probe until both hear one.
      let probe = 0;
      while (onA.received.length === 0 || onB.received.length === 0) {
        await ingest(a, `probe-${probe++}`, '320613006001001');
        await sleep(300);
        if (probe > 30) throw new Error('subscriptions never registered');
      }
      await sleep(500);
      onA.received.length = 0;
      onB.received.length = 0;

      // Across processes, both ways; an alert outside 曙光 reaches neither.
      const fromA = await ingest(a, 'from-a', '320613006001002');
      await ingest(a, 'outside', '320613008001001');
      const fromB = await ingest(b, 'from-b', '320613006001003');
      await onB.waitFor(2, 10_000);
      await onA.waitFor(2, 10_000);
      await sleep(500);
      const both = [
        { id: fromA, externalId: 'from-a', unit: { code: '320613006001002' } },
        { id: fromB, externalId: 'from-b', unit: { code: '320613006001003' } },
      ];
      expect({ onA: onA.received, onB: onB.received }).toEqual({ onA: both, onB: both });

      // The database refuses new connections for a while; every LISTEN backend of it (both
      // hubs') is killed; an alert and its NOTIFY are committed meanwhile (on a connection that
      // was already open): it falls in the gap. Then the database takes connections again.
      const dbName = new URL(fresh.url!).pathname.slice(1);
      const writer = postgres(fresh.url!, { max: 1, onnotice: () => {} });
      await writer`select 1`;
      const admin = postgres(process.env['TEST_DATABASE_URL']!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`alter database "${dbName}" allow_connections false`);
      let gapId: string;
      try {
        const pids = await writer<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
        expect(pids.length).toBeGreaterThanOrEqual(2);
        const placement = placementOf('320600.320613.320613006.320613006001.320613006001001');
        gapId = await writer.begin(async (tx) => {
          for (const { pid } of pids) await tx`select pg_terminate_backend(${pid}, 5000)`;
          const [row] = await tx<{ id: string }[]>`
            insert into alerts (source, external_id, type, severity, occurred_at, unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
            values ('iot-platform', 'in-the-gap', 'SMOKE', 'HIGH', now(), ${placement.unitCode}, ${placement.unitPath}, ${placement.cityCode},
                    ${placement.districtCode}, ${placement.streetCode}, ${placement.communityCode}, ${placement.gridCode})
            returning id`;
          // As the hub writes an event: to the live log in the same transaction, and a NOTIFY.
          await tx`insert into live_log (topic, ids) values ('alertRaised', ${JSON.stringify([row!.id])}::jsonb)`;
          await tx`select pg_notify('gridhub_alertraised', ${JSON.stringify({ ids: [row!.id] })})`;
          return row!.id;
        });
        await sleep(2000);
      } finally {
        await admin.unsafe(`alter database "${dbName}" allow_connections true`);
        await admin.end();
        await writer.end();
      }
      await onB.waitFor(3, 20_000);
      await onA.waitFor(3, 20_000);
      // And once the LISTENs are back, ordinary delivery again.
      const after = await ingest(a, 'after-reconnect', '320613006001001');
      await onB.waitFor(4, 20_000);
      await onA.waitFor(4, 20_000);
      await sleep(1000);
      // Both hubs recovered it from the live log, not from a NOTIFY.
      expect({ a: /reading the live log after a lost LISTEN/.test(a.output()), b: /reading the live log after a lost LISTEN/.test(b.output()) }).toEqual({ a: true, b: true });
      const all = [
        ...both,
        { id: gapId!, externalId: 'in-the-gap', unit: { code: '320613006001001' } },
        { id: after, externalId: 'after-reconnect', unit: { code: '320613006001001' } },
      ];
      expect({ onA: onA.received, onB: onB.received, errors: [...onA.errors, ...onB.errors] }).toEqual({ onA: all, onB: all, errors: [] });
      await onA.close();
      await onB.close();
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await fresh.drop();
    }
  }, 180_000);
});

describe('graceful shutdown', () => {
  it('on SIGTERM closes open subscriptions with 1001 "Going away", then exits 0', async () => {
    const fresh = dbKind === 'postgres' ? await freshDatabase() : undefined;
    const dataDir = dbKind === 'pglite' ? mkdtempSync(join(tmpdir(), 'gridhub-shutdown-')) : undefined;
    try {
      const hub = await startHub(fresh ? { DATABASE_URL: fresh.url! } : { DATA_DIR: dataDir! });
      const token = `Bearer ${await signToken(TEST_JWT_SECRET, 'xuetian.officer', 600)}`;
      const closes: { code: number; reason: string }[] = [];
      const clients = [0, 1].map(() => {
        const client = wsClient(hub.wsUrl, token, (event) => closes.push({ code: event.code, reason: event.reason }));
        let connected = false;
        client.on('connected', () => (connected = true));
        client.subscribe({ query: RAISED }, { next: () => {}, error: () => {}, complete: () => {} });
        return { client, connected: () => connected };
      });
      const deadline = Date.now() + 10_000;
      while (!clients.every((c) => c.connected()) && Date.now() < deadline) await sleep(50);
      await sleep(300);
      const signalled = Date.now();
      hub.child.kill('SIGTERM');
      const code = await hub.exited;
      await sleep(200);
      expect({ code, closes }).toEqual({
        code: 0,
        closes: [
          { code: 1001, reason: 'Going away' },
          { code: 1001, reason: 'Going away' },
        ],
      });
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(hub.output()).toContain('SIGTERM: shutting down');
    } finally {
      await fresh?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
