import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestHub, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { wsClient } from '../helpers/ws.js';
import { tables } from '../../src/tables.js';

const { auditLog, alerts, units } = tables;

/**
 * A city's own directory over HTTP with real tokens, on the demo data: units created, renamed,
 * moved with their records and retired into a successor; staff created and disabled; every
 * wrong caller refused with nothing written.
 */
const IMPORT_UNITS = /* GraphQL */ `
  mutation Import($input: ImportUnitsInput!) {
    importUnits(input: $input) { accepted updated duplicates rejected skipped results { index externalId status id: recordId error { code field message } } }
  }
`;
const IMPORT_PRINCIPALS = /* GraphQL */ `
  mutation Import($input: ImportPrincipalsInput!) {
    importPrincipals(input: $input) { accepted updated duplicates rejected skipped results { index externalId status error { code field message } } }
  }
`;
const UNIT = /* GraphQL */ `query Unit($code: String!) { unit(code: $code) { code name path retiredAt successor { code } parent { code } } }`;
const ALERT_COUNT = /* GraphQL */ `query Count($filter: AlertFilter) { alerts(filter: $filter, first: 1) { totalCount } }`;
const PRINCIPALS = /* GraphQL */ `query P($filter: PrincipalFilter, $first: Int, $after: String) { principals(filter: $filter, first: $first, after: $after) { totalCount edges { node { name kind roles unit { code } disabledAt } } pageInfo { hasNextPage endCursor } } }`;
const INGEST_ALERTS = /* GraphQL */ `mutation I($input: IngestAlertsInput!) { ingestAlerts(input: $input) { results { status error { code field message } } } }`;

type Report = { accepted: number; updated: number; duplicates: number; rejected: number; skipped: number; results: { status: string; error: { code: string; field: string; message: string } | null }[] };

let hub: TestHub;

async function importUnits(as: string, records: Record<string, unknown>[], atomic = false) {
  return hub.gql<{ importUnits: Report }>(IMPORT_UNITS, { input: { source: as, records, atomic } }, { as });
}
async function importPrincipals(as: string, records: Record<string, unknown>[], atomic = false) {
  return hub.gql<{ importPrincipals: Report }>(IMPORT_PRINCIPALS, { input: { source: as, records, atomic } }, { as });
}
async function alertCount(as: string, unitCode?: string): Promise<number> {
  const { body } = await hub.gql<{ alerts: { totalCount: number } }>(ALERT_COUNT, { filter: unitCode ? { unitCode } : {} }, { as });
  expect(body.errors).toBeUndefined();
  return body.data!.alerts.totalCount;
}
async function unitCount(): Promise<number> {
  return (await hub.database.db.select().from(units)).length;
}

beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const NEW_DISTRICT = { code: '320612', name: '通州区', parentCode: '320600', tier: 'DISTRICT' };
const NEW_STREET = { code: '320612001', name: '金沙街道', parentCode: '320612', tier: 'STREET' };

describe('importUnits', () => {
  it('creates units (ACCEPTED), then the same again is DUPLICATE and a new name UPDATED', async () => {
    const first = await importUnits('city.admin', [NEW_DISTRICT, NEW_STREET]);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.importUnits).toMatchObject({ accepted: 2, rejected: 0 });
    const again = await importUnits('city.admin', [NEW_DISTRICT, NEW_STREET]);
    expect(again.body.data!.importUnits).toMatchObject({ accepted: 0, duplicates: 2 });
    const renamed = await importUnits('city.admin', [{ ...NEW_STREET, name: '金沙镇' }]);
    expect(renamed.body.data!.importUnits).toMatchObject({ updated: 1 });
    const { body } = await hub.gql<{ unit: { name: string; path: string } }>(UNIT, { code: '320612001' }, { as: 'chongchuan.officer' });
    expect(body.data!.unit).toMatchObject({ name: '金沙镇', path: '320600.320612.320612001' });
  });

  it('rejects a code that does not fit its tier, an unknown parent, a parent of the wrong tier, an empty name, with codes', async () => {
    const { body } = await importUnits('city.admin', [
      { code: '32061200', name: '坏', parentCode: '320612', tier: 'STREET' },
      { code: '320612002', name: '无父', parentCode: '320699', tier: 'STREET' },
      { code: '320612003001', name: '错层', parentCode: '320612', tier: 'COMMUNITY' },
      { code: '320612004', name: ' ', parentCode: '320612', tier: 'STREET' },
    ]);
    const errors = body.data!.importUnits.results.map((r) => [r.status, r.error?.code, r.error?.field]);
    expect(errors).toEqual([
      ['REJECTED', 'INVALID_FIELD', 'code'],
      ['REJECTED', 'UNKNOWN_UNIT', 'parentCode'],
      ['REJECTED', 'INVALID_FIELD', 'parentCode'],
      ['REJECTED', 'INVALID_FIELD', 'name'],
    ]);
  });

  it('atomic: one rejection and nothing is applied, the valid records SKIPPED', async () => {
    const before = await unitCount();
    const { body } = await importUnits('city.admin', [{ code: '320612005', name: '好', parentCode: '320612', tier: 'STREET' }, { code: '320612006', name: '坏', parentCode: '999999', tier: 'STREET' }], true);
    expect(body.data!.importUnits).toMatchObject({ accepted: 0, rejected: 1, skipped: 1 });
    expect(await unitCount()).toBe(before);
  });

  it('a non-admin, and an admin outside its own subtree, are FORBIDDEN with nothing written', async () => {
    await importPrincipals('city.admin', [{ name: 'xuetian.admin', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' }]);
    const before = await unitCount();
    const officer = await importUnits('chongchuan.officer', [{ code: '320613006099', name: '新社区', parentCode: '320613006', tier: 'COMMUNITY' }]);
    expect(officer.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const outside = await importUnits('xuetian.admin', [
      { code: '320613006099', name: '新社区', parentCode: '320613006', tier: 'COMMUNITY' },
      { code: '320613008099', name: '别处', parentCode: '320613008', tier: 'COMMUNITY' },
    ]);
    expect(outside.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(await unitCount()).toBe(before);
    const inside = await importUnits('xuetian.admin', [{ code: '320613006099', name: '新社区', parentCode: '320613006', tier: 'COMMUNITY' }]);
    expect(inside.body.data!.importUnits.accepted).toBe(1);
  });
});

describe('importPrincipals', () => {
  it('creates staff within the admin unit, lists them, and refuses a role the admin does not hold', async () => {
    const { body } = await importPrincipals('city.admin', [
      { name: 'tongzhou.officer', kind: 'PERSON', roles: ['OFFICER'], unitCode: '320612', displayName: '通州区值班员' },
      { name: 'bad.unit', kind: 'PERSON', roles: ['OFFICER'], unitCode: '320699' },
    ]);
    expect(body.data!.importPrincipals.results.map((r) => [r.status, r.error?.code])).toEqual([
      ['ACCEPTED', undefined],
      ['REJECTED', 'UNKNOWN_UNIT'],
    ]);
    const escalation = await importPrincipals('xuetian.admin', [{ name: 'xt.officer', kind: 'PERSON', roles: ['OFFICER'], unitCode: '320613006' }]);
    expect(escalation.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const outside = await importPrincipals('xuetian.admin', [{ name: 'wf.admin', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613008' }]);
    expect(outside.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const listed = await hub.gql<{ principals: { totalCount: number; edges: { node: { name: string } }[] } }>(PRINCIPALS, { filter: { unitCode: '320612' } }, { as: 'city.admin' });
    expect(listed.body.data!.principals.edges.map((e) => e.node.name)).toEqual(['tongzhou.officer']);
    const notAdmin = await hub.gql(PRINCIPALS, {}, { as: 'chongchuan.officer' });
    expect(notAdmin.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const [entry] = await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'importPrincipals'));
    expect(entry).toBeDefined();
  });

  it('pages both ways like every list: last/before walks back exactly what first/after walked forward', async () => {
    const PAGE = /* GraphQL */ `query P($first: Int, $after: String, $last: Int, $before: String) { principals(first: $first, after: $after, last: $last, before: $before) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    type Paged = { principals: { edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } } };
    const forward: string[][] = [];
    for (let after: string | null = null; ; ) {
      const { body }: GqlResponse<Paged> = await hub.gql<Paged>(PAGE, { first: 4, after }, { as: 'city.admin' });
      const page: Paged['principals'] = body.data!.principals;
      forward.push(page.edges.map((e) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward.length).toBeGreaterThan(2);
    const backward: string[][] = [];
    for (let before: string | null = null; ; ) {
      const { body }: GqlResponse<Paged> = await hub.gql<Paged>(PAGE, { last: 4, before }, { as: 'city.admin' });
      const page: Paged['principals'] = body.data!.principals;
      backward.unshift(page.edges.map((e) => e.node.name));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward.flat()).toEqual(forward.flat());
    for (const names of backward) expect(names.length).toBeLessThanOrEqual(4);
    const mixed = await hub.gql(PAGE, { first: 2, last: 2 }, { as: 'city.admin' });
    expect(mixed.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('a disabled principal is refused 401 DISABLED_PRINCIPAL at its next request and its WebSocket closes 4401', async () => {
    const token = await hub.token('xuetian.officer');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      const client = wsClient(hub.wsUrl, `Bearer ${token}`, (event) => resolve(event));
      client.subscribe({ query: 'subscription { alertRaised { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await hub.gql('{ me { name } }', {}, { authorization: `Bearer ${token}` })).status).toBe(200);
    const { body } = await importPrincipals('city.admin', [{ name: 'xuetian.officer', kind: 'PERSON', roles: ['OFFICER'], unitCode: '320613006', displayName: '学田街道指挥中心值班员', disabled: true }]);
    expect(body.data!.importPrincipals.updated).toBe(1);
    expect((await closed).code).toBe(4401);
    const refused = await hub.gql('{ me { name } }', {}, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.['reason']).toBe('DISABLED_PRINCIPAL');
  });
});

describe('moves and retirements', () => {
  it('retires a street into its successor: children and records follow; the code answers with retiredAt and successor; records to it are REJECTED RETIRED_UNIT', async () => {
    const wenfeng = await alertCount('city.admin', '320613008');
    const xuetian = await alertCount('city.admin', '320613006');
    expect(wenfeng).toBeGreaterThan(0);
    const { body } = await importUnits('city.admin', [{ code: '320613008', name: '文峰街道', parentCode: '320613', tier: 'STREET', successorCode: '320613006' }]);
    expect(body.data!.importUnits.updated).toBe(1);
    expect(await alertCount('city.admin', '320613006')).toBe(xuetian + wenfeng);
    const unit = await hub.gql<{ unit: { retiredAt: string | null; successor: { code: string } | null } }>(UNIT, { code: '320613008' }, { as: 'city.admin' });
    expect(unit.body.data!.unit.retiredAt).not.toBeNull();
    expect(unit.body.data!.unit.successor).toEqual({ code: '320613006' });
    const community = await hub.gql<{ unit: { path: string } }>(UNIT, { code: '320613008001' }, { as: 'city.admin' });
    expect(community.body.data!.unit.path).toBe('320600.320613.320613006.320613008001');
    const pushed = await hub.gql<{ ingestAlerts: { results: { status: string; error: { code: string; message: string } }[] } }>(
      INGEST_ALERTS,
      { input: { source: 'iot-platform', records: [{ externalId: 'retired-1', type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613008' }] } },
      { as: 'iot-platform' },
    );
    expect(pushed.body.data!.ingestAlerts.results[0]).toMatchObject({ status: 'REJECTED', error: { code: 'RETIRED_UNIT' } });
    expect(pushed.body.data!.ingestAlerts.results[0]!.error.message).toContain('320613006');
    const child = await importUnits('city.admin', [{ code: '320613008077', name: '新', parentCode: '320613008', tier: 'COMMUNITY' }]);
    expect(child.body.data!.importUnits.results[0]!.error?.code).toBe('RETIRED_UNIT');
  });

  it('moves a street to another district: its records follow; the old district no longer sees them, the new one does; audited', async () => {
    const street = await alertCount('city.admin', '320613006');
    const district = await alertCount('chongchuan.officer');
    expect(await alertCount('tongzhou.officer')).toBe(0);
    const { body } = await importUnits('city.admin', [{ code: '320613006', name: '学田街道', parentCode: '320612', tier: 'STREET' }]);
    expect(body.data!.importUnits.updated).toBe(1);
    expect(await alertCount('tongzhou.officer')).toBe(street);
    expect(await alertCount('chongchuan.officer')).toBe(district - street);
    const [stale] = await hub.database.db.select().from(alerts).where(eq(alerts.districtCode, '320613')).limit(1);
    expect(stale?.streetCode).not.toBe('320613006');
    const moved = await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'moveUnit'));
    expect(moved[0]?.details).toMatchObject({ from: '320600.320613.320613006', to: '320600.320612.320613006' });
    const cycle = await importUnits('city.admin', [{ code: '320612', name: '通州区', parentCode: '320600', tier: 'DISTRICT' }, { code: '320613', name: '崇川区', parentCode: '320613006', tier: 'DISTRICT' }]);
    expect(cycle.body.data!.importUnits.results[1]!.status).toBe('REJECTED');
  });
});
