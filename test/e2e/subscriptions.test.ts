import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alerts } from '../../src/modules/alerts/index.js';
import { placementOf } from '../../src/platform/db/placement.js';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { subscribe, wsClient, type LiveSubscription } from '../helpers/ws.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { openServer } from '../../src/platform/db/database.js';
import { publishIds } from '../../src/platform/pubsub/bus.js';

/**
 * `alertRaised` end to end: graphql-ws over a real socket, bearer tokens in
 * `connectionParams.authorization`, alerts ingested over HTTP by the `iot-platform` adapter.
 * What each subscriber must receive is computed here from unit paths and types, independently
 * of the hub's own scope code.
 */

const SUBSCRIPTION = /* GraphQL */ `
  subscription Raised($filter: AlertFilter) {
    alertRaised(filter: $filter) { id externalId type unit { code } }
  }
`;

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) {
    ingestAlerts(input: $input) {
      accepted duplicates rejected skipped
      results { index externalId status id: recordId error { code field } }
    }
  }
`;

const FIRE_TYPES = ['SMOKE', 'HYDRANT_PRESSURE_LOW', 'EBIKE_IN_ELEVATOR', 'FIRE_PASSAGE_BLOCKED'];
/** How long to keep listening after the expected events arrived, to see that nothing more comes. */
const QUIET_MS = 500;

interface Raised {
  id: string;
  externalId: string;
  type: string;
  unit: { code: string };
}
interface AlertRecord {
  externalId: string;
  type: string;
  severity: string;
  occurredAt: string;
  unitCode: string;
  location?: { lat: number; lng: number };
}
interface IngestReport {
  accepted: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  results: { index: number; externalId: string; status: string; id: string | null; error: { code: string; field: string | null } | null }[];
}

/** A subscriber: who, with what filter, and what it may see (its unit and, for a department, its types). */
interface Subscriber {
  label: string;
  as: string;
  filter?: { unitCode?: string; types?: string[] };
  scopeUnit: string;
  scopeTypes?: string[];
}

const SUBSCRIBERS: Subscriber[] = [
  { label: 'city.admin', as: 'city.admin', scopeUnit: '320600' },
  { label: 'chongchuan.officer', as: 'chongchuan.officer', scopeUnit: '320613' },
  { label: 'xuetian.officer', as: 'xuetian.officer', scopeUnit: '320613006' },
  { label: 'wenfeng.officer', as: 'wenfeng.officer', scopeUnit: '320613008' },
  { label: 'shuguang.officer', as: 'shuguang.officer', scopeUnit: '320613006001' },
  { label: 'hujing.grid', as: 'hujing.grid', scopeUnit: '320613006001001' },
  { label: 'fire.officer', as: 'fire.officer', scopeUnit: '320613', scopeTypes: FIRE_TYPES },
  { label: 'xuetian.officer 曙光 SMOKE', as: 'xuetian.officer', filter: { unitCode: '320613006001', types: ['SMOKE'] }, scopeUnit: '320613006' },
  { label: 'xuetian.officer filter 文峰', as: 'xuetian.officer', filter: { unitCode: '320613008' }, scopeUnit: '320613006' },
  { label: 'xuetian.officer filter 崇川', as: 'xuetian.officer', filter: { unitCode: '320613' }, scopeUnit: '320613006' },
  { label: 'hujing.grid STREET_VENDOR', as: 'hujing.grid', filter: { types: ['STREET_VENDOR'] }, scopeUnit: '320613006001001' },
  { label: 'fire.officer SMOKE+STREET_VENDOR', as: 'fire.officer', filter: { types: ['SMOKE', 'STREET_VENDOR'] }, scopeUnit: '320613', scopeTypes: FIRE_TYPES },
];

let hub: TestHub;
const paths = new Map<string, string>();
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  hub = await createTestHub();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
  await until(() => hub.liveAlertSubscribers() === 0, 10_000);
});
afterAll(() => hub?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A unit's path, as the hub answers it. */
async function pathOf(code: string): Promise<string> {
  const known = paths.get(code);
  if (known) return known;
  const { body } = await hub.gql<{ unit: { path: string } }>(`query ($code: String!) { unit(code: $code) { path } }`, { code }, { as: 'city.admin' });
  expect(body.errors).toBeUndefined();
  const path = body.data!.unit.path;
  paths.set(code, path);
  return path;
}

/** docs/design.md, "Terms": within U = U's path itself, or U's path followed by a dot. */
function within(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}.`);
}

async function expectedFor(subscriber: Subscriber, records: AlertRecord[]): Promise<AlertRecord[]> {
  const scope = await pathOf(subscriber.scopeUnit);
  const filterPath = subscriber.filter?.unitCode ? await pathOf(subscriber.filter.unitCode) : undefined;
  const out: AlertRecord[] = [];
  for (const record of records) {
    const path = await pathOf(record.unitCode);
    if (!within(path, scope)) continue;
    if (subscriber.scopeTypes && !subscriber.scopeTypes.includes(record.type)) continue;
    if (filterPath && !within(path, filterPath)) continue;
    if (subscriber.filter?.types && !subscriber.filter.types.includes(record.type)) continue;
    out.push(record);
  }
  return out;
}

async function bearer(name: string, ttlSeconds?: number): Promise<string> {
  return `Bearer ${await hub.token(name, ttlSeconds)}`;
}

async function live(subscriber: Subscriber): Promise<LiveSubscription<Raised>> {
  const subscription = await subscribe<Raised>(hub.wsUrl, await bearer(subscriber.as), SUBSCRIPTION, subscriber.filter ? { filter: subscriber.filter } : {});
  open.push(subscription);
  return subscription;
}

async function ingest(records: AlertRecord[], atomic = false): Promise<IngestReport> {
  const { body } = await hub.gql<{ ingestAlerts: IngestReport }>(INGEST, { input: { source: 'iot-platform', records, atomic } }, { as: 'iot-platform' });
  expect(body.errors).toBeUndefined();
  return body.data!.ingestAlerts;
}

/** Until `predicate` holds, or fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** Connects with `authorization` (or none), subscribes, and resolves with how the socket was closed. */
function connectAndWatch(authorization: string | undefined) {
  let connected = false;
  const received: unknown[] = [];
  const errors: unknown[] = [];
  let resolveClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  const client = wsClient(hub.wsUrl, authorization, (event) => resolveClosed({ code: event.code, reason: event.reason }));
  client.on('connected', () => {
    connected = true;
  });
  client.subscribe({ query: SUBSCRIPTION }, { next: (value) => void received.push(value), error: (error) => void errors.push(error), complete: () => {} });
  open.push({ close: () => client.dispose() as Promise<void> });
  return { closed, received, errors, isConnected: () => connected };
}

describe('alertRaised', () => {
  it('delivers each committed alert to exactly the subscribers whose scope and filter it falls in', async () => {
    const subscriptions = await Promise.all(SUBSCRIBERS.map((s) => live(s)));
    await until(() => hub.liveAlertSubscribers() === SUBSCRIBERS.length, 10_000);

    // Alerts over 互敬 (a grid of 曙光), 互助 (another grid of 曙光), 曙光 itself, 学田's second
    // community, the street 学田 itself, 文峰's 中央商务区 and 城东's first community.
    const units = ['320613006001001', '320613006001002', '320613006001', '320613006002', '320613006', '320613008001', '320613001001'];
    const types = ['SMOKE', 'STREET_VENDOR', 'FIRE_PASSAGE_BLOCKED'];
    const base = Date.now() - 60 * 60_000;
    const good: AlertRecord[] = [];
    for (const unitCode of units) {
      for (const type of types) {
        good.push({ externalId: `live-${unitCode}-${type}`, type, severity: 'MEDIUM', occurredAt: new Date(base + good.length * 1000).toISOString(), unitCode });
      }
    }
    good.push({ externalId: 'live-hujing-elderly', type: 'ELDERLY_ALARM', severity: 'CRITICAL', occurredAt: new Date(base + 100_000).toISOString(), unitCode: '320613006001001' });
    good.push({ externalId: 'live-cbd-hydrant', type: 'HYDRANT_PRESSURE_LOW', severity: 'MEDIUM', occurredAt: new Date(base + 101_000).toISOString(), unitCode: '320613008001' });
    // Rejected records and an in-batch repeat (placed elsewhere) ride along; none may be delivered.
    const batch: AlertRecord[] = [
      ...good,
      { externalId: 'live-bad-lat', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(base).toISOString(), unitCode: '320613006001001', location: { lat: 123, lng: 120 } },
      { externalId: 'live-unknown', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(base).toISOString(), unitCode: '320613006001999' },
      { externalId: 'live-city', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(base).toISOString(), unitCode: '320600' },
      { ...good[0]!, type: 'STREET_VENDOR', unitCode: '320613008001' },
    ];
    const report = await ingest(batch);
    expect({ accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected, skipped: report.skipped }).toEqual({
      accepted: good.length,
      duplicates: 1,
      rejected: 3,
      skipped: 0,
    });
    const idOf = new Map(report.results.filter((r) => r.status === 'ACCEPTED').map((r) => [r.externalId, r.id!]));
    const payloadOf = (r: AlertRecord): Raised => ({ id: idOf.get(r.externalId)!, externalId: r.externalId, type: r.type, unit: { code: r.unitCode } });

    const expected = await Promise.all(SUBSCRIBERS.map((s) => expectedFor(s, good)));
    // The spread is meaningful: every subscriber but the cross-street filter gets something, and not everything.
    const sizes = Object.fromEntries(SUBSCRIBERS.map((s, i) => [s.label, expected[i]!.length]));
    expect(sizes).toEqual({
      'city.admin': 23,
      'chongchuan.officer': 23,
      'xuetian.officer': 16,
      'wenfeng.officer': 4,
      'shuguang.officer': 10,
      'hujing.grid': 4,
      'fire.officer': 15,
      'xuetian.officer 曙光 SMOKE': 3,
      'xuetian.officer filter 文峰': 0,
      'xuetian.officer filter 崇川': 16,
      'hujing.grid STREET_VENDOR': 1,
      'fire.officer SMOKE+STREET_VENDOR': 7,
    });

    await Promise.all(subscriptions.map((s, i) => s.waitFor(expected[i]!.length, 10_000)));
    await sleep(QUIET_MS);
    const got = Object.fromEntries(SUBSCRIBERS.map((s, i) => [s.label, subscriptions[i]!.received]));
    const want = Object.fromEntries(SUBSCRIBERS.map((s, i) => [s.label, expected[i]!.map(payloadOf)]));
    expect(got).toEqual(want);
    for (const subscription of subscriptions) expect(subscription.errors).toEqual([]);

    // The same batch again: all DUPLICATE or REJECTED, and nothing is delivered. A sentinel
    // batch afterwards shows the pipeline is still running and proves the quiet is real.
    const retry = await ingest(batch);
    expect({ accepted: retry.accepted, duplicates: retry.duplicates, rejected: retry.rejected }).toEqual({ accepted: 0, duplicates: good.length + 1, rejected: 3 });
    // An atomic batch with one bad record writes (and so delivers) nothing either.
    const aborted = await ingest(
      [
        { externalId: 'live-atomic-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(base + 200_000).toISOString(), unitCode: '320613006001001' },
        { externalId: 'live-atomic-bad', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(Date.now() + 3 * 86_400_000).toISOString(), unitCode: '320613006001001' },
      ],
      true,
    );
    expect({ accepted: aborted.accepted, rejected: aborted.rejected, skipped: aborted.skipped }).toEqual({ accepted: 0, rejected: 1, skipped: 1 });

    const sentinel: AlertRecord = { externalId: 'live-sentinel', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(base + 300_000).toISOString(), unitCode: '320613006001001' };
    const sentinelReport = await ingest([sentinel]);
    expect(sentinelReport.accepted).toBe(1);
    idOf.set(sentinel.externalId, sentinelReport.results[0]!.id!);
    const expectedAfter = await Promise.all(SUBSCRIBERS.map(async (s, i) => [...expected[i]!, ...(await expectedFor(s, [sentinel]))]));
    expect(expectedAfter.filter((e, i) => e.length > expected[i]!.length)).toHaveLength(9);
    await Promise.all(subscriptions.map((s, i) => s.waitFor(expectedAfter[i]!.length, 10_000)));
    await sleep(QUIET_MS);
    const gotAfter = Object.fromEntries(SUBSCRIBERS.map((s, i) => [s.label, subscriptions[i]!.received]));
    const wantAfter = Object.fromEntries(SUBSCRIBERS.map((s, i) => [s.label, expectedAfter[i]!.map(payloadOf)]));
    expect(gotAfter).toEqual(wantAfter);
  });

  it('refuses principals that cannot read alerts with FORBIDDEN on subscribe, and an unknown filter unit with NOT_FOUND', async () => {
    for (const as of ['iot-platform', 'city.auditor']) {
      const subscription = await live({ label: as, as, scopeUnit: '320600' });
      await until(() => subscription.errors.length > 0);
      expect({ as, errors: subscription.errors, received: subscription.received }).toEqual({
        as,
        errors: [expect.objectContaining({ message: expect.any(String), path: ['alertRaised'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Alert' } })],
        received: [],
      });
    }
    const unknown = await live({ label: 'unknown unit', as: 'xuetian.officer', filter: { unitCode: '999999' }, scopeUnit: '320613006' });
    await until(() => unknown.errors.length > 0);
    expect(unknown.errors).toEqual([expect.objectContaining({ path: ['alertRaised'], extensions: { code: 'NOT_FOUND', what: 'Unit', key: '999999' } })]);

    // None of these subscriptions receives anything afterwards.
    const report = await ingest([{ externalId: 'forbidden-probe', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }]);
    expect(report.accepted).toBe(1);
    await sleep(QUIET_MS);
    expect(unknown.received).toEqual([]);
  });

  it('closes a connection without authorization with 4401', async () => {
    const { closed, isConnected, received } = connectAndWatch(undefined);
    const event = await closed;
    expect(event.code).toBe(4401);
    expect(isConnected()).toBe(false);
    expect(received).toEqual([]);
  });

  it('closes a connection with a forged or an expired token with 4401', async () => {
    const forged = `Bearer ${await signToken('another-secret-0123456789abcdef0123456789', 'city.admin', 3600)}`;
    const expired = `Bearer ${await signToken(TEST_JWT_SECRET, 'city.admin', 10, Date.now() - 60_000)}`;
    const unknownPrincipal = `Bearer ${await signToken(TEST_JWT_SECRET, 'nobody.at.all', 3600)}`;
    for (const authorization of [forged, expired, unknownPrincipal, 'Bearer not-a-jwt', 'Basic Y2l0eS5hZG1pbjpwdw==']) {
      const { closed, isConnected } = connectAndWatch(authorization);
      const event = await closed;
      expect({ authorization, code: event.code, connected: isConnected() }).toEqual({ authorization, code: 4401, connected: false });
    }
    // The real token of the same principal is accepted.
    const real = connectAndWatch(await bearer('city.admin'));
    await until(real.isConnected);
  });

  it('closes the connection with 4401 when its token expires, after delivering while it was valid', async () => {
    await sleep(1000 - (Date.now() % 1000)); // sign at the start of a second: the token lives the full 4 s
    const signedAt = Date.now();
    // 4 s: room for connect, ingest and delivery on a loaded 2-core CI machine before it expires.
    const token = await signToken(TEST_JWT_SECRET, 'hujing.grid', 4, signedAt);
    const expiresAt = (Math.floor(signedAt / 1000) + 4) * 1000;
    const watch = connectAndWatch(`Bearer ${token}`);
    await until(watch.isConnected);
    await until(() => hub.liveAlertSubscribers() === 1, 10_000);
    const report = await ingest([{ externalId: 'expiring-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }]);
    expect(report.accepted).toBe(1);
    await until(() => watch.received.length > 0, 3000);
    expect(watch.received).toEqual([{ data: { alertRaised: { id: report.results[0]!.id, externalId: 'expiring-1', type: 'SMOKE', unit: { code: '320613006001001' } } } }]);

    const event = await watch.closed;
    const closedAt = Date.now();
    expect(event.code).toBe(4401);
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(closedAt).toBeLessThan(expiresAt + 2000);
  });

  it.runIf(dbKind === 'postgres')('delivers alerts committed through another hub process on the same Postgres', async () => {
    const url = (hub.database as unknown as { url: string }).url;
    const otherDatabase = await openServer({ url, max: 2 });
    const other = await createTestHub({ database: otherDatabase });
    try {
      const subscription = await subscribe<Raised>(other.wsUrl, `Bearer ${await other.token('shuguang.officer')}`, SUBSCRIPTION);
      open.push(subscription);
      await until(() => other.liveAlertSubscribers() === 1, 10_000);
      const report = await ingest([
        { externalId: 'cross-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001002' },
        { externalId: 'cross-2', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613008001' },
      ]);
      expect(report.accepted).toBe(2);
      await subscription.waitFor(1, 5000);
      await sleep(QUIET_MS);
      expect(subscription.received).toEqual([{ id: report.results[0]!.id, externalId: 'cross-1', type: 'SMOKE', unit: { code: '320613006001002' } }]);
      await subscription.close();
    } finally {
      await other.close();
      await otherDatabase.close();
    }
  });
});

/** Edges that once broke: long-lived tokens, long close reasons, errors inside execution. */
describe('alertRaised: edges', () => {
  it('keeps a connection open whose token is valid for 30 days (the expiry timer must not overflow)', async () => {
    const watch = connectAndWatch(await bearer('hujing.grid', 30 * 86_400));
    await until(watch.isConnected);
    await sleep(300);
    const report = await ingest([{ externalId: 'long-ttl-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }]);
    await until(() => watch.received.length > 0, 3000).catch(() => {});
    const closedEarly = await Promise.race([watch.closed, sleep(500).then(() => null)]);
    expect({ closed: closedEarly, received: watch.received }).toEqual({
      closed: null,
      received: [{ data: { alertRaised: { id: report.results[0]!.id, externalId: 'long-ttl-1', type: 'SMOKE', unit: { code: '320613006001001' } } } }],
    });
  });

  it('closes with 4401 for a signed token naming an unknown principal, whatever the name (close reason ≤ 123 bytes)', async () => {
    const name = '学田街道指挥中心值班员'.repeat(4);
    const { closed, isConnected } = connectAndWatch(`Bearer ${await signToken(TEST_JWT_SECRET, name, 3600)}`);
    const event = await closed;
    expect({ code: event.code, connected: isConnected() }).toEqual({ code: 4401, connected: false });
    expect(Buffer.byteLength(event.reason)).toBeLessThanOrEqual(123);
  });

  it('answers a malformed unit code in a filter with NOT_FOUND, over HTTP and WebSocket alike', async () => {
    const filter = { unitCode: '320613\u0000' };
    const http = await hub.gql(`query ($filter: AlertFilter) { alerts(filter: $filter) { totalCount } }`, { filter }, { as: 'xuetian.officer' });
    expect(http.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const subscription = await live({ label: 'NUL filter', as: 'xuetian.officer', filter, scopeUnit: '320613006' });
    await until(() => subscription.errors.length > 0);
    expect(subscription.errors).toEqual([expect.objectContaining({ path: ['alertRaised'], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
  });

  it('masks an unexpected failure inside a subscription as over HTTP (no internals reach the client)', async () => {
    // An alert whose unit does not exist (written behind the API's back) makes Alert.unit fail.
    const [row] = await hub.database.db
      .insert(alerts)
      .values({ source: 'test', externalId: 'orphan-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date(), ...placementOf('320600.320613.320613006.320613006001.320613006001999') })
      .returning({ id: alerts.id });
    const query = `{ id unit { code } }`;
    const http = await hub.gql(`query ($id: ID!) { alert(id: $id) ${query} }`, { id: row!.id }, { as: 'xuetian.officer' });
    const httpError = http.body.errors?.[0];
    expect(httpError).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });

    const subscription = await subscribe<Raised>(hub.wsUrl, await bearer('xuetian.officer'), `subscription { alertRaised ${query} }`);
    open.push(subscription);
    await until(() => hub.liveAlertSubscribers() === 1, 10_000);
    // Published as a writer does (live log and NOTIFY in one transaction): a bare NOTIFY is not in
    // the log, which is what the feed delivers from.
    await hub.database.db.transaction((tx) => publishIds(hub.handle.hub.bus, tx, 'alertRaised', [row!.id]));
    await until(() => subscription.errors.length > 0);
    expect(JSON.stringify(subscription.errors)).not.toMatch(/does not exist|320613006001999|Error:/);
    expect(subscription.errors).toEqual([expect.objectContaining({ message: 'Internal server error', path: ['alertRaised', 'unit'], extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
  });
});
