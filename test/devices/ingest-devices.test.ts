import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';
import { FIRE_DEVICE_TYPES } from '../../src/seed/demo.js';

const { departments, principals, devices, auditLog } = tables;

/**
 * ingestDevices (registrations and updates) and heartbeatDevices end to end: HTTP, real tokens.
 * Every test registers devices of its own (`ext(k, i)`), so the seeded devices never count.
 */

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestDevicesInput!) {
    ingestDevices(input: $input) { accepted updated duplicates rejected skipped results { index externalId status id: recordId error { code field message } } }
  }
`;
const BEAT = /* GraphQL */ `
  mutation Beat($input: HeartbeatDevicesInput!) {
    heartbeatDevices(input: $input) { accepted updated duplicates rejected skipped results { index externalId status id: recordId error { code field message } } }
  }
`;
const DEVICE = /* GraphQL */ `
  query Device($id: ID!) {
    device(id: $id) { id source externalId type name model status departmentCode heartbeatIntervalSeconds lastHeartbeatAt location { lat lng } unit { code } holderName }
  }
`;

const UUID = expect.stringMatching(/^[0-9a-f-]{36}$/);
const SHUGUANG_GRID = '320613006001001';
const WENFENG_GRID = '320613008001001';

let hub: TestHub;
const clock = new TestClock();
let run = 0;
const ext = (k: string, i: number) => `t${run}-${k}-${i}`;

beforeAll(async () => {
  hub = await createTestHub({ clock });
  run = Date.now() % 1_000_000;
  // A fire station's system in 文峰: fire devices only, within 文峰 only.
  await hub.database.db.insert(departments).values({ code: 'wenfeng-fire', name: '文峰消防站', jurisdictionCode: '320613008', domains: [{ kind: 'Device', types: FIRE_DEVICE_TYPES }] });
  await hub.database.db.insert(principals).values({ name: 'wenfeng-fire', displayName: '文峰消防站接入', kind: 'ADAPTER', roles: ['ADAPTER'], unitCode: null, departmentCode: 'wenfeng-fire' });
});
afterAll(async () => {
  await hub?.close();
});

function smoke(externalId: string, over: Record<string, unknown> = {}) {
  return { externalId, type: 'SMOKE_DETECTOR', name: `烟感 ${externalId}`, model: 'JTY-GD-H361', unitCode: SHUGUANG_GRID, location: { lat: 32.0146, lng: 120.8641 }, ...over };
}

async function ingest(as: string, records: unknown[], options: { source?: string; atomic?: boolean } = {}) {
  return hub.gql(INGEST, { input: { source: options.source ?? as, records, atomic: options.atomic ?? false } }, { as });
}
async function beat(as: string, records: unknown[], options: { source?: string; atomic?: boolean } = {}) {
  return hub.gql(BEAT, { input: { source: options.source ?? as, records, atomic: options.atomic ?? false } }, { as });
}
async function device(id: string) {
  const { body } = await hub.gql(DEVICE, { id }, { as: 'shuguang.officer' });
  expect(body.errors).toBeUndefined();
  return body.data!['device'];
}
async function auditCount(operation: string): Promise<number> {
  return (await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, operation))).length;
}

describe('ingestDevices', () => {
  it('registers, reports an identical repeat as DUPLICATE without writing, and an update as UPDATED', async () => {
    const a = smoke(ext('reg', 1));
    const b = smoke(ext('reg', 2), { type: 'ELDERLY_ALARM_BUTTON', holderName: '张三', holderPhone: '13800001234' });
    const first = await ingest('iot-platform', [a, b]);
    expect(first.body).toEqual({
      data: {
        ingestDevices: {
          accepted: 2, updated: 0, duplicates: 0, rejected: 0, skipped: 0,
          results: [
            { index: 0, externalId: a.externalId, status: 'ACCEPTED', id: UUID, error: null },
            { index: 1, externalId: b.externalId, status: 'ACCEPTED', id: UUID, error: null },
          ],
        },
      },
    });
    const [idA, idB] = (first.body.data!['ingestDevices'].results as { id: string }[]).map((r) => r.id) as [string, string];
    expect(await device(idA)).toEqual({
      id: idA, source: 'iot-platform', externalId: a.externalId, type: 'SMOKE_DETECTOR', name: a.name, model: 'JTY-GD-H361', status: 'ONLINE',
      departmentCode: 'iot-platform', heartbeatIntervalSeconds: 300, lastHeartbeatAt: null, location: { lat: 32.0146, lng: 120.8641 }, unit: { code: SHUGUANG_GRID }, holderName: null,
    });
    expect((await device(idB))).toMatchObject({ heartbeatIntervalSeconds: 600, holderName: '张三' });

    const [before] = await hub.database.db.select().from(devices).where(eq(devices.id, idA));
    const repeat = await ingest('iot-platform', [a, b]);
    expect(repeat.body.data!['ingestDevices']).toMatchObject({ accepted: 0, updated: 0, duplicates: 2 });
    expect((repeat.body.data!['ingestDevices'].results as { id: string; status: string }[]).map((r) => [r.status, r.id])).toEqual([['DUPLICATE', idA], ['DUPLICATE', idB]]);
    const [after] = await hub.database.db.select().from(devices).where(eq(devices.id, idA));
    expect(after).toEqual(before);

    const moved = await ingest('iot-platform', [{ ...a, unitCode: WENFENG_GRID, model: null, heartbeatIntervalSeconds: 120 }, b]);
    expect(moved.body.data!['ingestDevices']).toMatchObject({ accepted: 0, updated: 1, duplicates: 1 });
    expect((moved.body.data!['ingestDevices'].results as { id: string; status: string }[]).map((r) => [r.status, r.id])).toEqual([['UPDATED', idA], ['DUPLICATE', idB]]);
    // Now in 文峰: 曙光 no longer sees it, 文峰 does, with the new description.
    expect((await hub.gql(DEVICE, { id: idA }, { as: 'shuguang.officer' })).body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const { body } = await hub.gql(DEVICE, { id: idA }, { as: 'wenfeng.officer' });
    expect(body.data!['device']).toMatchObject({ model: null, heartbeatIntervalSeconds: 120, unit: { code: WENFENG_GRID } });
  });

  it('reports each record: invalid fields, unknown units, outside the jurisdiction or domain, repeats in the batch', async () => {
    const records = [
      smoke(ext('mix', 0), { unitCode: WENFENG_GRID }),
      smoke(ext('mix', 1), { location: { lat: 91, lng: 120 } }),
      smoke(ext('mix', 2), { unitCode: '320613999999' }),
      smoke(ext('mix', 3), { unitCode: SHUGUANG_GRID }),
      smoke(ext('mix', 4), { unitCode: WENFENG_GRID, type: 'MANHOLE_COVER' }),
      smoke(ext('mix', 5), { unitCode: WENFENG_GRID, heartbeatIntervalSeconds: 5 }),
      smoke(ext('mix', 6), { unitCode: WENFENG_GRID, departmentCode: 'no-such-department' }),
      smoke(ext('mix', 0), { unitCode: WENFENG_GRID }),
    ];
    const { body } = await ingest('wenfeng-fire', records);
    const report = body.data!['ingestDevices'];
    expect(report).toMatchObject({ accepted: 1, updated: 0, duplicates: 1, rejected: 6, skipped: 0 });
    expect((report.results as { status: string; error: { code: string; field: string } | null }[]).map((r) => [r.status, r.error?.code ?? null, r.error?.field ?? null])).toEqual([
      ['ACCEPTED', null, null],
      ['REJECTED', 'INVALID_FIELD', 'location.lat'],
      ['REJECTED', 'UNKNOWN_UNIT', 'unitCode'],
      ['REJECTED', 'OUT_OF_JURISDICTION', 'unitCode'],
      ['REJECTED', 'OUT_OF_DOMAIN', 'type'],
      ['REJECTED', 'INVALID_FIELD', 'heartbeatIntervalSeconds'],
      ['REJECTED', 'INVALID_FIELD', 'departmentCode'],
      ['DUPLICATE', null, null],
    ]);
    expect(report.results[7].id).toBe(report.results[0].id);
    const stored = await hub.database.db.select({ externalId: devices.externalId, departmentCode: devices.departmentCode }).from(devices).where(eq(devices.source, 'wenfeng-fire'));
    expect(stored.filter((d) => d.externalId.startsWith(`t${run}-mix-`))).toEqual([{ externalId: ext('mix', 0), departmentCode: 'wenfeng-fire' }]);
    // The refused jurisdiction and domain are a DENIED audit entry.
    const denied = await hub.database.db.select().from(auditLog).where(and(eq(auditLog.operation, 'ingestDevices'), eq(auditLog.outcome, 'DENIED')));
    expect(denied.at(-1)?.details).toMatchObject({ count: 2 });
  });

  it('atomic: one bad record and nothing is written, the good ones SKIPPED', async () => {
    const { body } = await ingest('iot-platform', [smoke(ext('atomic', 1)), smoke(ext('atomic', 2), { name: ' ' })], { atomic: true });
    expect(body.data!['ingestDevices']).toMatchObject({ accepted: 0, rejected: 1, skipped: 1 });
    expect((body.data!['ingestDevices'].results as { status: string }[]).map((r) => r.status)).toEqual(['SKIPPED', 'REJECTED']);
    expect(await hub.database.db.select().from(devices).where(eq(devices.externalId, ext('atomic', 1)))).toEqual([]);
  });

  it('refuses the wrong principals: officers FORBIDDEN, no credentials UNAUTHENTICATED, another source FORBIDDEN, 1,001 records BAD_USER_INPUT', async () => {
    const record = smoke(ext('who', 1));
    for (const as of ['xuetian.officer', 'city.admin', 'fire.officer', '12345-hotline']) {
      const { body } = await ingest(as, [record]);
      expect(body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
      expect(body.data).toBeNull();
    }
    const anonymous = await hub.gql(INGEST, { input: { source: 'iot-platform', records: [record], atomic: false } });
    expect(anonymous.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    const otherSource = await ingest('iot-platform', [record], { source: 'fire-brigade' });
    expect(otherSource.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    const big = await ingest('iot-platform', Array.from({ length: 1001 }, (_, i) => smoke(ext('big', i))));
    expect(big.body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([['BAD_USER_INPUT', 'records']]);
    const beats = await beat('xuetian.officer', [{ externalId: 'x', at: clock.now().toISOString() }]);
    expect(beats.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(await hub.database.db.select().from(devices).where(eq(devices.externalId, record.externalId))).toEqual([]);
  });
});

describe('heartbeatDevices', () => {
  it('a heartbeat sets lastHeartbeatAt and the status; a repeat or an older one is DUPLICATE; the latest of a batch wins', async () => {
    const a = smoke(ext('hb', 1));
    const b = smoke(ext('hb', 2));
    const registered = await ingest('iot-platform', [a, b]);
    const [idA, idB] = (registered.body.data!['ingestDevices'].results as { id: string }[]).map((r) => r.id) as [string, string];
    const t = clock.now().getTime();
    const at = (s: number) => new Date(t - 60_000 + s * 1000).toISOString();
    const operations = await auditCount('heartbeatDevices');

    const first = await beat('iot-platform', [
      { externalId: a.externalId, at: at(1) },
      { externalId: b.externalId, at: at(5), status: 'FAULT' },
      { externalId: a.externalId, at: at(3) },
      { externalId: 'no-such-device', at: at(3) },
      { externalId: b.externalId, at: at(4) },
      { externalId: a.externalId, at: at(2), status: 'OFFLINE' },
    ]);
    expect(first.body.data!['heartbeatDevices']).toMatchObject({ accepted: 0, updated: 2, duplicates: 2, rejected: 2, skipped: 0 });
    expect((first.body.data!['heartbeatDevices'].results as { status: string; id: string | null; error: { code: string; field: string } | null }[]).map((r) => [r.status, r.id, r.error?.code ?? null, r.error?.field ?? null])).toEqual([
      ['DUPLICATE', idA, null, null],
      ['UPDATED', idB, null, null],
      ['UPDATED', idA, null, null],
      ['REJECTED', null, 'UNKNOWN_RECORD', 'externalId'],
      ['DUPLICATE', idB, null, null],
      ['REJECTED', null, 'INVALID_FIELD', 'status'],
    ]);
    expect(await device(idA)).toMatchObject({ status: 'ONLINE', lastHeartbeatAt: at(3) });
    expect(await device(idB)).toMatchObject({ status: 'FAULT', lastHeartbeatAt: at(5) });

    const again = await beat('iot-platform', [{ externalId: a.externalId, at: at(3) }, { externalId: b.externalId, at: at(1) }]);
    expect(again.body.data!['heartbeatDevices']).toMatchObject({ updated: 0, duplicates: 2 });
    expect(await device(idB)).toMatchObject({ status: 'FAULT', lastHeartbeatAt: at(5) });
    // A gateway of the adapter (name/subsystem) may beat for the adapter's devices; the fault clears.
    const gateway = await beat('iot-platform', [{ externalId: b.externalId, at: at(6) }], { source: 'iot-platform/gateway-7' });
    expect(gateway.body.data!['heartbeatDevices']).toMatchObject({ updated: 1 });
    expect(await device(idB)).toMatchObject({ status: 'ONLINE', lastHeartbeatAt: at(6) });
    expect(await auditCount('heartbeatDevices')).toBe(operations + 3);
  });

  it("another department's adapter cannot beat for a device it did not register: UNKNOWN_RECORD", async () => {
    const a = smoke(ext('foreign', 1), { unitCode: WENFENG_GRID });
    await ingest('iot-platform', [a]);
    const { body } = await beat('wenfeng-fire', [{ externalId: a.externalId, at: clock.now().toISOString() }]);
    expect((body.data!['heartbeatDevices'].results as { status: string; error: { code: string } }[]).map((r) => [r.status, r.error.code])).toEqual([['REJECTED', 'UNKNOWN_RECORD']]);
  });
});
