import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';
import { tables } from '../../src/tables.js';

const { auditLog, devices: devicesTable } = tables;

/**
 * Personal data on devices (the person behind an elderly one-click alarm, exact addresses):
 * in full for the community and grid that own the device, masked for everyone else — never
 * null — through lists, single records and alerts' `device`.
 */
const DEVICES = /* GraphQL */ `
  query Devices($filter: DeviceFilter, $first: Int) {
    devices(filter: $filter, first: $first) {
      totalCount
      edges { node { id type unit { code } address holderName holderPhone holderIdNumber maskedFields } }
    }
  }
`;

interface DeviceNode {
  id: string;
  type: string;
  unit: { code: string };
  address: string | null;
  holderName: string | null;
  holderPhone: string | null;
  holderIdNumber: string | null;
  maskedFields: string[];
}

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

async function alarmButtons(as: string, unitCode = '320613006001'): Promise<DeviceNode[]> {
  const { body } = await hub.gql<{ devices: { edges: { node: DeviceNode }[] } }>(DEVICES, { filter: { unitCode, types: ['ELDERLY_ALARM_BUTTON'] }, first: 100 }, { as });
  expect(body.errors).toBeUndefined();
  return body.data!.devices.edges.map((e) => e.node);
}

describe('device personal data', () => {
  it('the community that owns the device sees it in full', async () => {
    const nodes = await alarmButtons('shuguang.officer');
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.holderPhone).toMatch(/^139\d{8}$/);
      expect(node.holderIdNumber).toMatch(/^320613\d{12}$/);
      expect(node.holderName).not.toContain('*');
      expect(node.address).toMatch(/幢\d单元\d+室$/);
      expect(node.maskedFields).toEqual([]);
    }
  });

  it('the street above it sees every personal field masked, never null', async () => {
    const full = new Map((await alarmButtons('shuguang.officer')).map((n) => [n.id, n]));
    const nodes = await alarmButtons('xuetian.officer');
    expect(nodes.map((n) => n.id).sort()).toEqual([...full.keys()].sort());
    for (const node of nodes) {
      const original = full.get(node.id)!;
      expect(node.holderPhone).toBe(`${original.holderPhone!.slice(0, 3)}****${original.holderPhone!.slice(-4)}`);
      expect(node.holderName).toBe(`${[...original.holderName!][0]}${'*'.repeat([...original.holderName!].length - 1)}`);
      expect(node.holderIdNumber).toBe(`${original.holderIdNumber!.slice(0, 6)}********${original.holderIdNumber!.slice(-4)}`);
      expect(original.address!.startsWith(node.address!.replace(/\*+$/, ''))).toBe(true);
      expect(node.address).toMatch(/幢\*{4}$/);
      expect(node.maskedFields.sort()).toEqual(['address', 'holderIdNumber', 'holderName', 'holderPhone']);
    }
  });

  it('the city and the district see it masked too', async () => {
    for (const as of ['city.admin', 'chongchuan.officer']) {
      const nodes = await alarmButtons(as);
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.every((n) => /^139\*{4}\d{4}$/.test(n.holderPhone ?? ''))).toBe(true);
    }
  });

  it('a grid worker sees the devices of its own grid in full, and nothing of the rest of the community', async () => {
    const nodes = await alarmButtons('hujing.grid');
    expect(nodes.every((n) => n.unit.code === '320613006001001')).toBe(true);
    expect(nodes.every((n) => n.maskedFields.length === 0)).toBe(true);
    const { body } = await hub.gql<{ devices: { totalCount: number; edges: { node: DeviceNode }[] } }>(DEVICES, { filter: { unitCode: '320613006001002' }, first: 5 }, { as: 'hujing.grid' });
    expect(body.data!.devices).toEqual({ totalCount: 0, edges: [] });
  });

  it('another street sees none of them, in lists and by id (the same answer as for no device at all)', async () => {
    const [device] = await alarmButtons('shuguang.officer');
    const list = await alarmButtons('wenfeng.officer');
    expect(list).toEqual([]);
    const one = /* GraphQL */ `query One($id: ID!) { device(id: $id) { id } }`;
    const outside = await hub.gql(one, { id: device!.id }, { as: 'wenfeng.officer' });
    const missing = await hub.gql(one, { id: '00000000-0000-4000-8000-000000000000' }, { as: 'wenfeng.officer' });
    expect(outside.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(outside.body.errors?.[0]?.message.replace(device!.id, 'ID')).toBe(missing.body.errors?.[0]?.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  });

  it('a department data officer outside its domain sees no alarm buttons; an adapter and an auditor read no devices', async () => {
    expect(await alarmButtons('fire.officer')).toEqual([]);
    for (const as of ['iot-platform', 'city.auditor']) {
      const { body } = await hub.gql(DEVICES, { first: 1 }, { as });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'read', subject: 'Device' });
    }
  });

  it('an alert shows its device masked or in full by the same rule', async () => {
    const query = /* GraphQL */ `
      query { alerts(filter: { unitCode: "320613006001", types: [ELDERLY_ALARM] }, first: 5) { edges { node { id device { holderPhone maskedFields } } } } }
    `;
    const community = await hub.gql<any>(query, {}, { as: 'shuguang.officer' });
    const street = await hub.gql<any>(query, {}, { as: 'xuetian.officer' });
    const withDevice = community.body.data.alerts.edges.filter((e: any) => e.node.device);
    expect(withDevice.length).toBeGreaterThan(0);
    for (const edge of withDevice) expect(edge.node.device.holderPhone).toMatch(/^139\d{8}$/);
    for (const edge of street.body.data.alerts.edges.filter((e: any) => e.node.device)) expect(edge.node.device.holderPhone).toMatch(/^139\*{4}\d{4}$/);
  });

  it('every read that returned personal data in full is audited with its records, fields and stated purpose; masked reads are not', async () => {
    const readsBy = async (actor: string) =>
      (await hub.database.db.select().from(auditLog).where(eq(auditLog.actor, actor))).filter((e) => e.operation === 'read' && e.outcome === 'ALLOWED');
    const before = (await readsBy('shuguang.officer')).length;
    const { body } = await hub.gql<{ devices: { edges: { node: DeviceNode }[] } }>(
      DEVICES,
      { filter: { unitCode: '320613006001', types: ['ELDERLY_ALARM_BUTTON'] }, first: 100 },
      { as: 'shuguang.officer', headers: { 'x-purpose': 'elderly follow-up visit' } },
    );
    const ids = body.data!.devices.edges.map((e) => e.node.id).sort();
    const entries = await readsBy('shuguang.officer');
    expect(entries.length).toBe(before + 1);
    const entry = entries.at(-1)!;
    expect(entry).toMatchObject({ kind: 'Device', unitCode: '320613006001', purpose: 'elderly follow-up visit' });
    expect([...entry.recordIds].sort()).toEqual(ids);
    expect(entry.fields).toEqual(['address', 'holderIdNumber', 'holderName', 'holderPhone']);

    const streetBefore = (await readsBy('xuetian.officer')).length;
    await alarmButtons('xuetian.officer');
    expect((await readsBy('xuetian.officer')).length).toBe(streetBefore);
  });

  it('a live delivery with personal data in full is audited as a read, under the connection’s stated purpose', async () => {
    const [button] = await alarmButtons('shuguang.officer');
    const [row] = await hub.database.db.select().from(devicesTable).where(eq(devicesTable.id, button!.id));
    const before = hub.liveAlertSubscribers();
    const sub = await subscribe<{ externalId: string; device: { holderPhone: string } | null }>(
      hub.wsUrl,
      `Bearer ${await hub.token('shuguang.officer')}`,
      /* GraphQL */ `subscription { alertRaised(filter: { types: [ELDERLY_ALARM] }) { externalId device { holderPhone } } }`,
      {},
      { purpose: 'live elderly alarm watch' },
    );
    while (hub.liveAlertSubscribers() < before + 1) await new Promise((r) => setTimeout(r, 10));
    try {
      const { body } = await hub.gql<any>(
        /* GraphQL */ `mutation I($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`,
        { input: { source: 'iot-platform', records: [{ externalId: 'pii-live-1', type: 'ELDERLY_ALARM', severity: 'CRITICAL', occurredAt: new Date().toISOString(), unitCode: row!.unitCode, deviceExternalId: row!.externalId }] } },
        { as: 'iot-platform' },
      );
      expect(body.data.ingestAlerts.accepted).toBe(1);
      const delivered = await sub.next();
      expect(delivered.device?.holderPhone).toMatch(/^139\d{8}$/);
      let entry: typeof auditLog.$inferSelect | undefined;
      for (let i = 0; i < 100 && !entry; i++) {
        const rows = await hub.database.db.select().from(auditLog).where(eq(auditLog.actor, 'shuguang.officer'));
        entry = rows.find((e) => e.operation === 'read' && e.recordIds.includes(row!.id) && e.purpose === 'live elderly alarm watch');
        if (!entry) await new Promise((r) => setTimeout(r, 20));
      }
      expect(entry).toMatchObject({ kind: 'Device', fields: ['holderPhone'], outcome: 'ALLOWED' });
    } finally {
      await sub.close();
    }
  });

  it('a purpose stated as an argument is recorded with the read, over the x-purpose header', async () => {
    const [button] = await alarmButtons('shuguang.officer');
    const one = /* GraphQL */ `query One($id: ID!, $purpose: String) { device(id: $id, purpose: $purpose) { holderPhone } }`;
    const { body } = await hub.gql<any>(one, { id: button!.id, purpose: '  核实独居老人紧急联系人  ' }, { as: 'shuguang.officer', headers: { 'x-purpose': 'header purpose' } });
    expect(body.data.device.holderPhone).toMatch(/^139\d{8}$/);
    const rows = await hub.database.db.select().from(auditLog).where(eq(auditLog.actor, 'shuguang.officer'));
    expect(rows.at(-1)).toMatchObject({ operation: 'read', kind: 'Device', recordIds: [button!.id], purpose: '核实独居老人紧急联系人' });
  });
});
