import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import { killHubProcesses, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { CursoredClient, type CursoredStream } from '../helpers/cursored.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';

/**
 * Resuming after a hub process dies: a front end subscribed to alertRaised, caseChanged and
 * deviceStatusChanged on process A keeps the last cursor of each; A is killed with SIGKILL; while
 * it is down, alerts are ingested, a case moves twice and a device changes status twice through
 * process B; the front end reconnects with `after: <last cursor>`, to A restarted and (another
 * one) to B. Each receives every record and change committed meanwhile exactly once, in commit
 * order — the same items, with the same cursors, that a subscriber connected to B all along
 * heard — nothing it had already received, then live events again.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
afterAll(killHubProcesses);

const HUJING_GRID = '320613006001001';
const tag = `resume-${process.pid}`;
const bearer = async (name: string) => `Bearer ${await signToken(TEST_JWT_SECRET, name, 600)}`;

async function gql<T = any>(hub: HubProcess, as: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await bearer(as) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const INGEST = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }';
const OPEN = 'mutation ($input: OpenCaseInput!) { openCase(input: $input) { id } }';
const MOVE = 'mutation ($id: ID!, $action: CaseAction!, $unit: String) { transitionCase(id: $id, action: $action, assigneeUnitCode: $unit) { state } }';
const DEVICES = 'mutation ($input: IngestDevicesInput!) { ingestDevices(input: $input) { results { id: recordId } } }';
const BEAT = 'mutation ($input: HeartbeatDevicesInput!) { heartbeatDevices(input: $input) { updated } }';

async function ingest(hub: HubProcess, ...externalIds: string[]): Promise<void> {
  const records = externalIds.map((externalId) => ({ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: HUJING_GRID }));
  const data = await gql<{ ingestAlerts: { accepted: number } }>(hub, 'iot-platform', INGEST, { input: { source: 'iot-platform', records } });
  expect(data.ingestAlerts.accepted).toBe(externalIds.length);
}
async function move(hub: HubProcess, id: string, action: string, unit?: string): Promise<void> {
  await gql(hub, 'xuetian.officer', MOVE, { id, action, unit });
}
async function beat(hub: HubProcess, status: 'ONLINE' | 'FAULT'): Promise<void> {
  const input = { source: 'iot-platform', atomic: false, records: [{ externalId: `${tag}-device`, at: new Date().toISOString(), status }] };
  expect((await gql<{ heartbeatDevices: { updated: number } }>(hub, 'iot-platform', BEAT, { input })).heartbeatDevices.updated).toBe(1);
}

/** What a test compares of each event: which record, and its cursor. */
interface Event {
  key: string;
  cursor: string;
}
const FIELDS = {
  alerts: 'subscription ($after: String) { alertRaised(after: $after) { key: externalId cursor } }',
  cases: 'subscription ($after: String) { caseChanged(after: $after) { key: id cursor } }',
  devices: 'subscription ($after: String) { deviceStatusChanged(after: $after) { key: id cursor } }',
} as const;
type Field = keyof typeof FIELDS;
type Streams = Record<Field, CursoredStream<Event>>;
const NAMES = Object.keys(FIELDS) as Field[];

/** Subscribes to the three fields (each from its cursor in `after`, if any) and waits for their "live now" pings. */
async function subscribeAll(client: CursoredClient, after: Partial<Record<Field, string>> = {}): Promise<Streams> {
  const streams = Object.fromEntries(NAMES.map((name) => [name, client.subscribe<Event>(name, FIELDS[name], after[name] ? { after: after[name] } : {})])) as Streams;
  await client.until(() => NAMES.every((name) => streams[name].live !== undefined || streams[name].errors.length > 0), 'the live-now pings', 30_000);
  expect(NAMES.flatMap((name) => streams[name].errors)).toEqual([]);
  return streams;
}

const position = (cursor: string) => cursor.split(':').map(Number) as [number, number?];
/** Whether cursor `a` comes after `b` in the stream. */
function isAfter(a: string, b: string): boolean {
  const [seqA, indexA = Infinity] = position(a);
  const [seqB, indexB = Infinity] = position(b);
  return seqA > seqB || (seqA === seqB && indexA > indexB);
}
/**
 * The recipe of docs/api/live.md: graphql-ws's own client, retrying forever, each subscription's
 * variables updated in place with the last cursor received. graphql-ws sends the same payload
 * again when it reconnects, so it resumes from there by itself.
 */
function selfResuming(url: string, authorization: string): { client: Client; items: Record<Field, Event[]> } {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: 1000,
    retryWait: async () => {
      await sleep(250);
    },
    shouldRetry: () => true,
  });
  const items = { alerts: [], cases: [], devices: [] } as Record<Field, Event[]>;
  for (const name of NAMES) {
    const variables: { after?: string } = {};
    client.subscribe<Record<string, Event>>(
      { query: FIELDS[name], variables },
      {
        next: ({ data }) => {
          const event = data && (Object.values(data)[0] as Event);
          if (!event) return;
          items[name].push(event);
          variables.after = event.cursor;
        },
        error: () => {},
        complete: () => {},
      },
    );
  }
  return { client, items };
}

const last = (stream: CursoredStream<Event>) => stream.items[stream.items.length - 1]!.cursor;
const counts = (streams: Streams) => NAMES.map((name) => streams[name].items.length);

describe.runIf(dbKind === 'postgres')('resuming with the last cursor after a hub process is SIGKILLed', () => {
  it('delivers everything committed while it was down exactly once, in commit order, on the restarted process and on another one', async () => {
    const fresh = await freshDatabase();
    const env = { DATABASE_URL: fresh.url! };
    let a = await startHubProcess(env);
    const b = await startHubProcess(env);
    const clients: CursoredClient[] = [];
    const connect = async (hub: HubProcess) => {
      const client = new CursoredClient(hub.wsUrl, await bearer('xuetian.officer'));
      clients.push(client);
      return client;
    };
    try {
      const device = await gql<{ ingestDevices: { results: { id: string }[] } }>(b, 'iot-platform', DEVICES, {
        input: { source: 'iot-platform', atomic: true, records: [{ externalId: `${tag}-device`, type: 'SMOKE_DETECTOR', name: '烟感', unitCode: HUJING_GRID, heartbeatIntervalSeconds: 60 }] },
      });
      const deviceId = device.ingestDevices.results[0]!.id;
      const caseId = (await gql<{ openCase: { id: string } }>(b, 'xuetian.officer', OPEN, { input: { unitCode: HUJING_GRID, title: `${tag} 楼道堆物`, category: 'SAFETY_HAZARD', severity: 'MEDIUM' } })).openCase.id;

      // The reference: a subscriber on B all along hears every commit, in commit order.
      const reference = await subscribeAll(await connect(b));
      // Two front ends on A.
      const onA = [await subscribeAll(await connect(a)), await subscribeAll(await connect(a))];
      // A third front end on A follows the recipe and never reconnects by hand.
      const recipe = selfResuming(a.wsUrl, await bearer('xuetian.officer'));
      await sleep(1500);

      // Before the kill, one of each, through A: received, the last cursors kept.
      await ingest(a, `${tag}-before`);
      await move(a, caseId, 'REGISTER');
      await beat(a, 'FAULT');
      for (const [i, streams] of onA.entries()) await clients[i + 1]!.until(() => counts(streams).every((n) => n >= 1), 'the events before the kill');
      await clients[1]!.until(() => NAMES.every((name) => recipe.items[name].length === onA[0]![name].items.length), 'the recipe client before the kill');
      const kept = onA.map((streams) => Object.fromEntries(NAMES.map((name) => [name, last(streams[name])])) as Record<Field, string>);
      expect(kept[0]).toEqual(kept[1]);

      a.child.kill('SIGKILL');
      await a.exited;
      await clients[1]!.until(() => clients[1]!.closed !== undefined && clients[2]!.closed !== undefined, 'the sockets to A to close');

      // While A is down, through B: alerts one by one and two in one batch, two moves of the
      // case, two status changes of the device.
      await ingest(b, `${tag}-down-1`);
      await move(b, caseId, 'DISPATCH', HUJING_GRID);
      await ingest(b, `${tag}-down-2`, `${tag}-down-3`);
      await beat(b, 'ONLINE');
      await move(b, caseId, 'START');
      await beat(b, 'FAULT');
      await ingest(b, `${tag}-down-4`);

      // One front end reconnects to A restarted, the other to B, each with its last cursors.
      // A restarted on its port: the recipe client finds it again by itself.
      a = await startHubProcess({ ...env, PORT: String(a.port) });
      const resumed = [await subscribeAll(await connect(a), kept[0]), await subscribeAll(await connect(b), kept[1])];
      // Then live again: one more of each, through A restarted.
      await ingest(a, `${tag}-after`);
      await move(a, caseId, 'RESOLVE');
      await beat(a, 'ONLINE');

      // The reference hears all: 6 alerts, 4 changes of the case (and the cases the alert rules
      // open from SMOKE alerts), 4 changes of the device; then what else is still on its way.
      const hasAll = () => reference.alerts.items.length >= 6 && reference.cases.items.filter((e) => e.key === caseId).length >= 4 && reference.devices.items.length >= 4;
      await clients[0]!.until(hasAll, 'the reference to hear everything', 30_000);
      await sleep(1000);
      const refreshed = Object.fromEntries(NAMES.map((name) => [name, reference[name].items.filter((event) => isAfter(event.cursor, kept[0]![name]))])) as Record<Field, Event[]>;
      for (const [i, streams] of resumed.entries()) {
        await clients[i + 3]!.until(() => NAMES.every((name) => streams[name].items.length >= refreshed[name].length), `resumed front end ${i + 1}`, 30_000);
      }
      await sleep(500);

      expect(refreshed.alerts.map((event) => event.key)).toEqual([`${tag}-down-1`, `${tag}-down-2`, `${tag}-down-3`, `${tag}-down-4`, `${tag}-after`]);
      expect(refreshed.cases.filter((event) => event.key === caseId).length).toBe(3);
      expect(refreshed.devices.map((event) => event.key)).toEqual([deviceId, deviceId, deviceId]);
      const got = resumed.map((streams) => Object.fromEntries(NAMES.map((name) => [name, streams[name].items])));
      expect({ restartedA: got[0], b: got[1] }).toEqual({ restartedA: refreshed, b: refreshed });
      await clients[0]!.until(() => NAMES.every((name) => recipe.items[name].length >= onA[0]![name].items.length + refreshed[name].length), 'the recipe client to resume', 30_000);
      await sleep(300);
      const before = Object.fromEntries(NAMES.map((name) => [name, onA[0]![name].items]));
      expect(recipe.items).toEqual(Object.fromEntries(NAMES.map((name) => [name, [...before[name]!, ...refreshed[name]]])));
      await recipe.client.dispose();
      expect(resumed.flatMap((streams) => NAMES.flatMap((name) => streams[name].errors))).toEqual([]);
      await Promise.all(clients.map((client) => client.dispose()));
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await fresh.drop();
    }
  }, 300_000);
});

describe.runIf(dbKind === 'pglite')('resuming with the last cursor after the embedded hub is SIGKILLed', () => {
  it('delivers everything committed by the restarted process before the client came back exactly once, in commit order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridhub-resume-'));
    const env = { DATA_DIR: dataDir };
    let a = await startHubProcess(env);
    const clients: CursoredClient[] = [];
    try {
      const token = await bearer('xuetian.officer');
      await gql(a, 'iot-platform', DEVICES, {
        input: { source: 'iot-platform', atomic: true, records: [{ externalId: `${tag}-device`, type: 'SMOKE_DETECTOR', name: '烟感', unitCode: HUJING_GRID, heartbeatIntervalSeconds: 60 }] },
      });
      const caseId = (await gql<{ openCase: { id: string } }>(a, 'xuetian.officer', OPEN, { input: { unitCode: HUJING_GRID, title: `${tag} 楼道堆物`, category: 'SAFETY_HAZARD', severity: 'MEDIUM' } })).openCase.id;
      const first = new CursoredClient(a.wsUrl, token);
      clients.push(first);
      const streams = await subscribeAll(first);
      const recipe = selfResuming(a.wsUrl, token);
      await sleep(1500);

      await ingest(a, `${tag}-before`);
      await move(a, caseId, 'REGISTER');
      await beat(a, 'FAULT');
      await first.until(() => counts(streams).every((n) => n >= 1) && NAMES.every((name) => recipe.items[name].length >= 1), 'the events before the kill');
      await sleep(500);
      const kept = Object.fromEntries(NAMES.map((name) => [name, last(streams[name])])) as Record<Field, string>;

      a.child.kill('SIGKILL');
      await a.exited;
      // The same data directory, on the same port: the embedded database recovers; then, before
      // the front end reconnects by hand, more of each.
      a = await startHubProcess({ ...env, PORT: String(a.port) });
      await ingest(a, `${tag}-down-1`);
      await move(a, caseId, 'DISPATCH', HUJING_GRID);
      await ingest(a, `${tag}-down-2`, `${tag}-down-3`);
      await beat(a, 'ONLINE');
      await move(a, caseId, 'START');
      await beat(a, 'FAULT');

      const again = new CursoredClient(a.wsUrl, token);
      clients.push(again);
      const resumed = await subscribeAll(again, kept);
      await ingest(a, `${tag}-after`);
      await again.until(
        () => resumed.alerts.items.filter((e) => e.key.startsWith(tag)).length >= 4 && resumed.cases.items.filter((e) => e.key === caseId).length >= 2 && resumed.devices.items.length >= 2,
        'the resumed front end',
        30_000,
      );
      await again.until(() => NAMES.every((name) => recipe.items[name].length >= streams[name].items.length + resumed[name].items.length), 'the recipe client', 30_000);
      await sleep(1000);
      const got = Object.fromEntries(NAMES.map((name) => [name, resumed[name].items])) as Record<Field, Event[]>;
      const increasing = (events: Event[]) => events.every((event, i) => i === 0 || isAfter(event.cursor, events[i - 1]!.cursor));
      expect({
        alerts: got.alerts.map((e) => e.key),
        caseChanges: got.cases.filter((e) => e.key === caseId).length,
        deviceChanges: got.devices.length,
        allAfterKept: NAMES.every((name) => got[name].every((e) => isAfter(e.cursor, kept[name]))),
        increasing: NAMES.every((name) => increasing(got[name])),
        errors: NAMES.flatMap((name) => resumed[name].errors),
      }).toEqual({
        alerts: [`${tag}-down-1`, `${tag}-down-2`, `${tag}-down-3`, `${tag}-after`],
        caseChanges: 2,
        deviceChanges: 2,
        allAfterKept: true,
        increasing: true,
        errors: [],
      });
      // The recipe client: what it had before the kill, then the same as the one resumed by hand.
      expect(recipe.items).toEqual(Object.fromEntries(NAMES.map((name) => [name, [...streams[name].items, ...got[name]]])));
      await recipe.client.dispose();
      await Promise.all(clients.map((client) => client.dispose()));
    } finally {
      a.child.kill('SIGTERM');
      await a.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
