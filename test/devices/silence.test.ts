import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestHub, dbKind, TestClock, type TestHub } from '../helpers/hub.js';
import { subscribe, type LiveSubscription } from '../helpers/ws.js';
import { openServer } from '../../src/platform/db/database.js';
import { tables } from '../../src/tables.js';
import { sweepSilentDevices, WATCHDOG_SOURCE } from '../../src/modules/watchdog/index.js';
import { deviceLive } from '../../src/modules/devices/index.js';
import { executeRows } from '../../src/platform/db/rows.js';

const { alerts, auditLog, devices } = tables;

/**
 * Silence and live status: the sweeper (called directly, driven by a TestClock), the
 * DEVICE_OFFLINE alert it raises exactly once, a heartbeat bringing a device back, and
 * `deviceStatusChanged` over WebSocket with real tokens. The seeded devices fall silent too
 * when the clock moves; assertions name this file's own devices, or hold for every device.
 */

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestDevicesInput!) { ingestDevices(input: $input) { accepted results { id: recordId status } } }
`;
const BEAT = /* GraphQL */ `
  mutation Beat($input: HeartbeatDevicesInput!) { heartbeatDevices(input: $input) { updated results { status } } }
`;
const OFFLINE_ALERTS = /* GraphQL */ `
  query Offline($filter: AlertFilter) {
    alerts(filter: $filter, first: 100) { totalCount edges { node { source type severity status occurredAt device { id externalId status } unit { code } location { lat lng } payload } } }
  }
`;
const STATUS_CHANGED = /* GraphQL */ `
  subscription Changed($filter: DeviceFilter) {
    deviceStatusChanged(filter: $filter) { id externalId status lastHeartbeatAt holderName holderPhone maskedFields unit { code } }
  }
`;

const SHUGUANG_GRID = '320613006001002';
const WENFENG_GRID = '320613008001001';

let hub: TestHub;
const clock = new TestClock();
const tag = `s${Date.now() % 1_000_000}`;

beforeAll(async () => {
  hub = await createTestHub({ clock });
});
afterAll(async () => {
  await hub?.close();
});

async function register(externalId: string, unitCode: string, over: Record<string, unknown> = {}): Promise<string> {
  const { body } = await hub.gql(
    INGEST,
    { input: { source: 'iot-platform', atomic: true, records: [{ externalId, type: 'ELDERLY_ALARM_BUTTON', name: `一键告警 ${externalId}`, unitCode, location: { lat: 32.01, lng: 120.86 }, heartbeatIntervalSeconds: 60, ...over }] } },
    { as: 'iot-platform' },
  );
  expect(body.errors).toBeUndefined();
  return body.data!['ingestDevices'].results[0].id as string;
}
async function heartbeat(externalId: string, status?: string) {
  const { body } = await hub.gql(BEAT, { input: { source: 'iot-platform', atomic: false, records: [{ externalId, at: clock.now().toISOString(), ...(status ? { status } : {}) }] } }, { as: 'iot-platform' });
  expect(body.data!['heartbeatDevices'].updated).toBe(1);
}
async function offlineAlertsOf(deviceId: string): Promise<number> {
  const rows = await hub.database.db.select().from(alerts).where(eq(alerts.deviceId, deviceId));
  return rows.filter((r) => r.type === 'DEVICE_OFFLINE').length;
}
/** Every device swept has exactly one watchdog alert per silence: no (device, heard-at) twice. */
async function repeatedSilences(): Promise<unknown[]> {
  return executeRows(hub.database.db, sql`select external_id, count(*) from ${alerts} where source = ${WATCHDOG_SOURCE} group by external_id having count(*) > 1`);
}

describe('the silence sweeper', () => {
  it('marks a device silent past interval × grace OFFLINE once, with one DEVICE_OFFLINE alert; a heartbeat brings it back', async () => {
    const id = await register(`${tag}-a`, SHUGUANG_GRID, { holderName: '王秀英' });
    await heartbeat(`${tag}-a`);
    const heardAt = clock.now();

    // 60 s × grace 3: at 180 s it is still within; past it, silent.
    clock.advance(180_000);
    expect((await sweepSilentDevices(hub.handle.hub)).offline).not.toContain(id);
    clock.advance(1_000);
    const sweep = await sweepSilentDevices(hub.handle.hub);
    expect(sweep.offline).toContain(id);
    expect(sweep.alerts).toHaveLength(sweep.offline.length);
    expect((await sweepSilentDevices(hub.handle.hub)).offline).toEqual([]);
    expect(await offlineAlertsOf(id)).toBe(1);

    const { body } = await hub.gql(OFFLINE_ALERTS, { filter: { unitCode: SHUGUANG_GRID, types: ['DEVICE_OFFLINE'], from: heardAt.toISOString() } }, { as: 'shuguang.officer' });
    const mine = body.data!['alerts'].edges.filter((e: { node: { device: { id: string } | null } }) => e.node.device?.id === id);
    expect(mine).toEqual([
      {
        node: {
          source: WATCHDOG_SOURCE,
          type: 'DEVICE_OFFLINE',
          severity: 'HIGH',
          status: 'OPEN',
          occurredAt: new Date(heardAt.getTime() + 180_000).toISOString(),
          device: { id, externalId: `${tag}-a`, status: 'OFFLINE' },
          unit: { code: SHUGUANG_GRID },
          location: { lat: 32.01, lng: 120.86 },
          payload: { lastHeartbeatAt: heardAt.toISOString(), heartbeatIntervalSeconds: 60, silentMinutes: 3 },
        },
      },
    ]);
    const [entry] = await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'sweepSilentDevices'));
    expect(entry).toMatchObject({ actor: WATCHDOG_SOURCE, actorKind: 'SYSTEM', kind: 'Device' });

    // Back: a heartbeat makes it ONLINE; silent again later, it gets a second alert (a new silence).
    await heartbeat(`${tag}-a`);
    expect((await hub.database.db.select({ status: devices.status }).from(devices).where(eq(devices.id, id)))[0]?.status).toBe('ONLINE');
    clock.advance(181_000);
    expect((await sweepSilentDevices(hub.handle.hub)).offline).toContain(id);
    expect(await offlineAlertsOf(id)).toBe(2);
    expect(await repeatedSilences()).toEqual([]);
  });

  it('a FAULT device is alive and not swept; one that never sent a heartbeat is timed from its registration', async () => {
    const faulty = await register(`${tag}-f`, SHUGUANG_GRID);
    await heartbeat(`${tag}-f`, 'FAULT');
    const never = await register(`${tag}-n`, SHUGUANG_GRID);
    clock.advance(181_000);
    const sweep = await sweepSilentDevices(hub.handle.hub);
    expect(sweep.offline).toContain(never);
    expect(sweep.offline).not.toContain(faulty);
    expect(await offlineAlertsOf(faulty)).toBe(0);
  });

  it('two sweeps at once mark each device once and raise one alert each', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => register(`${tag}-c${i}`, SHUGUANG_GRID)));
    clock.advance(181_000);
    const [one, two] = await Promise.all([sweepSilentDevices(hub.handle.hub), sweepSilentDevices(hub.handle.hub)]);
    const all = [...one.offline, ...two.offline];
    expect(new Set(all).size).toBe(all.length);
    for (const id of ids) expect(all).toContain(id);
    for (const id of ids) expect(await offlineAlertsOf(id)).toBe(1);
    expect(await repeatedSilences()).toEqual([]);
  });

  it.skipIf(dbKind !== 'postgres')('two hub processes on one PostgreSQL database: every silence handled exactly once', async () => {
    const other = await openServer({ url: hub.databaseUrl!, max: 5 });
    const second = await createTestHub({ clock, database: other });
    try {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => register(`${tag}-two${i}`, i % 2 ? SHUGUANG_GRID : WENFENG_GRID)));
      clock.advance(181_000);
      const [one, two] = await Promise.all([sweepSilentDevices(hub.handle.hub), sweepSilentDevices(second.handle.hub)]);
      const all = [...one.offline, ...two.offline];
      expect(new Set(all).size).toBe(all.length);
      for (const id of ids) expect(all).toContain(id);
      for (const id of ids) expect(await offlineAlertsOf(id)).toBe(1);
      expect(one.alerts.length + two.alerts.length).toBe(all.length);
      expect(await repeatedSilences()).toEqual([]);
    } finally {
      await second.close();
      await other.close();
    }
  });
});

describe('deviceStatusChanged over WebSocket', () => {
  const subscriptions: LiveSubscription<Record<string, unknown>>[] = [];
  afterAll(async () => {
    for (const s of subscriptions) await s.close();
  });
  async function as(name: string, filter: Record<string, unknown> = {}) {
    const s = await subscribe<Record<string, unknown>>(hub.wsUrl, `Bearer ${await hub.token(name)}`, STATUS_CHANGED, { filter });
    subscriptions.push(s);
    return s;
  }

  it('reaches the community in full and the street masked, never another street; the filter narrows', async () => {
    const id = await register(`${tag}-live`, SHUGUANG_GRID, { holderName: '王秀英', holderPhone: '13912345678' });
    const elsewhere = await register(`${tag}-live-wf`, WENFENG_GRID);
    const live = hub.handle.hub.singles.of(deviceLive);
    const before = live.subscribers;
    const community = await as('shuguang.officer');
    const street = await as('xuetian.officer', { statuses: ['FAULT'] });
    const streetOnline = await as('xuetian.officer', { statuses: ['ONLINE'] });
    const wenfeng = await as('wenfeng.officer');
    const auditor = await as('city.auditor');
    for (let i = 0; i < 50 && live.subscribers < before + 4; i++) await new Promise((r) => setTimeout(r, 100));
    expect(live.subscribers).toBe(before + 4);

    await heartbeat(`${tag}-live`, 'FAULT');
    await heartbeat(`${tag}-live-wf`, 'FAULT');
    const full = { id, externalId: `${tag}-live`, status: 'FAULT', lastHeartbeatAt: clock.now().toISOString(), unit: { code: SHUGUANG_GRID } };
    expect((await community.waitFor(1))[0]).toEqual({ ...full, holderName: '王秀英', holderPhone: '13912345678', maskedFields: [] });
    expect((await street.waitFor(1))[0]).toEqual({ ...full, holderName: '王**', holderPhone: '139****5678', maskedFields: ['holderName', 'holderPhone'] });
    expect((await wenfeng.waitFor(1))[0]?.['id']).toBe(elsewhere);
    await new Promise((r) => setTimeout(r, 500));
    expect(community.received.map((d) => d['id'])).toEqual([id]);
    expect(wenfeng.received.map((d) => d['id'])).toEqual([elsewhere]);
    expect(streetOnline.received).toEqual([]);
    // An auditor reads no devices: the subscription is refused, and nothing reaches it.
    await auditor.waitFor(1, 500);
    expect(auditor.received).toEqual([]);
    expect(JSON.stringify(auditor.errors)).toContain('FORBIDDEN');
  });
});
