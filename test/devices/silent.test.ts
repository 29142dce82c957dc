import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestHub, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { devices } = tables;

/**
 * `silentDevices`: the OFFLINE devices a principal may see, the one heard from longest ago first
 * (never heard from: before all others), sorted in SQL. The oracle is every page of `devices`
 * filtered to OFFLINE as the same principal reads it, sorted here: the same devices, the same
 * masking, for every tier, and nothing for those who may read no device.
 */

interface Node {
  id: string;
  type: string;
  lastHeartbeatAt: string | null;
  holderPhone: string | null;
  location: { lat: number; lng: number } | null;
  unit: { code: string };
}
const NODE = 'id type lastHeartbeatAt holderPhone location { lat lng } unit { code }';
const SILENT = `query($filter: DeviceFilter, $first: Int) { silentDevices(filter: $filter, first: $first) { ${NODE} } }`;
const PAGE = `query($filter: DeviceFilter, $after: String) { devices(filter: $filter, first: 100, after: $after) { edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`;

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
  // Silence some devices of two streets at known times, one never heard from in each.
  const now = Date.now();
  for (const street of ['320613006', '320613008']) {
    const picked = await hub.database.db.select({ id: devices.id }).from(devices).where(eq(devices.streetCode, street)).orderBy(devices.id).limit(8);
    for (const [i, { id }] of picked.entries()) {
      await hub.database.db
        .update(devices)
        .set({ status: 'OFFLINE', lastHeartbeatAt: i === 3 ? null : new Date(now - (i + 1) * 3_600_000 - (street === '320613008' ? 60_000 : 0)) })
        .where(eq(devices.id, id));
    }
  }
});
afterAll(async () => {
  await hub?.close();
});

/** What the oracle says: every OFFLINE device `as` reads through `devices`, in silence order. */
async function expected(as: string, filter: Record<string, unknown> = {}): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let after: string | null = null; ; ) {
    type Page = { devices: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const response: GqlResponse<Page> = await hub.gql<Page>(PAGE, { filter: { ...filter, statuses: ['OFFLINE'] }, after }, { as });
    expect(response.body.errors).toBeUndefined();
    const page: Page['devices'] = response.body.data!.devices;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  const key = (n: Node) => (n.lastHeartbeatAt === null ? '' : n.lastHeartbeatAt);
  return nodes.sort((a, b) => key(a).localeCompare(key(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function silent(as: string, variables: Record<string, unknown> = {}): Promise<GqlResponse<{ silentDevices: Node[] }>> {
  return hub.gql<{ silentDevices: Node[] }>(SILENT, variables, { as });
}

describe('silentDevices', () => {
  it.each(['city.admin', 'chongchuan.officer', 'xuetian.officer', 'wenfeng.officer', 'shuguang.officer', 'hujing.grid'])('%s: the OFFLINE devices it may see, longest silent first, masked as in devices', async (as) => {
    const all = await expected(as);
    const { body } = await silent(as, { first: 100 });
    expect(body.errors).toBeUndefined();
    expect(body.data!.silentDevices).toEqual(all.slice(0, 100));
    const top = (await silent(as, { first: 3 })).body.data!.silentDevices;
    expect(top).toEqual(all.slice(0, 3));
  });

  it('the street sees only its own: never a device of another street, and the one never heard from comes first', async () => {
    const xuetian = (await silent('xuetian.officer', { first: 100 })).body.data!.silentDevices;
    expect(xuetian.length).toBeGreaterThanOrEqual(8);
    expect(xuetian.every((d) => d.unit.code.startsWith('320613006'))).toBe(true);
    expect(xuetian[0]!.lastHeartbeatAt).toBeNull();
    const wenfengIds = (await hub.database.db.select({ id: devices.id }).from(devices).where(and(eq(devices.streetCode, '320613008'), eq(devices.status, 'OFFLINE')))).map((r) => r.id);
    expect(wenfengIds.length).toBeGreaterThan(0);
    expect(xuetian.map((d) => d.id).filter((id) => wenfengIds.includes(id))).toEqual([]);
  });

  it('the filter narrows, never widens: a unit outside the scope gives nothing, a type only that type', async () => {
    expect((await silent('xuetian.officer', { filter: { unitCode: '320613008' } })).body.data!.silentDevices).toEqual([]);
    const [one] = await hub.database.db.select({ type: devices.type }).from(devices).where(and(eq(devices.streetCode, '320613006'), eq(devices.status, 'OFFLINE'))).limit(1);
    const typed = (await silent('xuetian.officer', { filter: { types: [one!.type] }, first: 100 })).body.data!.silentDevices;
    expect(typed.length).toBeGreaterThan(0);
    expect(typed).toEqual(await expected('xuetian.officer', { types: [one!.type] }));
    // Asking for ONLINE devices finds no silent ones.
    expect((await silent('city.admin', { filter: { statuses: ['ONLINE'] } })).body.data!.silentDevices).toEqual([]);
  });

  it('principals that may read no device are FORBIDDEN; a size outside 1 to 100 is BAD_USER_INPUT', async () => {
    for (const as of ['iot-platform', 'city.auditor']) {
      const { body } = await silent(as);
      expect(body.errors?.[0]?.extensions?.['code'], as).toBe('FORBIDDEN');
    }
    for (const first of [0, 101]) {
      const { body } = await silent('city.admin', { first });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });
});
