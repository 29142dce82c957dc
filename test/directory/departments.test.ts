import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { auditLog, departments } = tables;

/**
 * importDepartments over HTTP with real tokens, on the demo data: departments created, renamed,
 * given domains; bad records rejected with codes; atomic; every wrong caller FORBIDDEN with
 * nothing written; an adapter of a new department ingests within its domains.
 */
const IMPORT_DEPARTMENTS = /* GraphQL */ `
  mutation Import($input: ImportDepartmentsInput!) {
    importDepartments(input: $input) { accepted updated duplicates rejected skipped results { status error { code field message } } }
  }
`;
const IMPORT_PRINCIPALS = /* GraphQL */ `mutation Import($input: ImportPrincipalsInput!) { importPrincipals(input: $input) { accepted rejected } }`;
const INGEST_ALERTS = /* GraphQL */ `mutation I($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted rejected results { status error { code } } } }`;

type Report = { accepted: number; updated: number; duplicates: number; rejected: number; skipped: number; results: { status: string; error: { code: string; field: string } | null }[] };

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

function importDepartments(as: string, records: Record<string, unknown>[], atomic = false) {
  return hub.gql<{ importDepartments: Report }>(IMPORT_DEPARTMENTS, { input: { source: as, records, atomic } }, { as });
}
async function departmentCodes(): Promise<string[]> {
  return (await hub.database.db.select({ code: departments.code }).from(departments)).map((d) => d.code).sort();
}

const WATER = { code: 'water-works', name: '崇川区水务', jurisdictionCode: '320613', domains: [{ kind: 'Alert', types: ['HYDRANT_PRESSURE_LOW'] }] };

describe('importDepartments', () => {
  it('creates (ACCEPTED), the same again is DUPLICATE, a new name UPDATED; audited', async () => {
    const first = await importDepartments('city.admin', [WATER]);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.importDepartments).toMatchObject({ accepted: 1 });
    expect((await importDepartments('city.admin', [WATER])).body.data!.importDepartments).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await importDepartments('city.admin', [{ ...WATER, name: '崇川区水务局' }])).body.data!.importDepartments).toMatchObject({ updated: 1 });
    const [row] = await hub.database.db.select().from(departments).where(eq(departments.code, 'water-works'));
    expect(row).toMatchObject({ name: '崇川区水务局', jurisdictionCode: '320613', domains: [{ kind: 'Alert', types: ['HYDRANT_PRESSURE_LOW'] }] });
    const audited = await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'importDepartments'));
    expect(audited.length).toBeGreaterThanOrEqual(3);
  });

  it('rejects a bad code, an empty name, an unknown kind, an unknown or retired jurisdiction, with codes; atomic applies nothing', async () => {
    const units = /* GraphQL */ `mutation I($input: ImportUnitsInput!) { importUnits(input: $input) { accepted updated } }`;
    const street = { code: '320613099', name: '旧街道', parentCode: '320613', tier: 'STREET' };
    await hub.gql(units, { input: { source: 'city.admin', records: [street] } }, { as: 'city.admin' });
    const retired = await hub.gql<{ importUnits: { updated: number } }>(units, { input: { source: 'city.admin', records: [{ ...street, successorCode: '320613006' }] } }, { as: 'city.admin' });
    expect(retired.body.data!.importUnits.updated).toBe(1);
    const { body } = await importDepartments('city.admin', [
      { code: 'Bad Code', name: '坏', jurisdictionCode: '320613' },
      { code: 'no-name', name: ' ', jurisdictionCode: '320613' },
      { code: 'odd-kind', name: '怪', jurisdictionCode: '320613', domains: [{ kind: 'Weather' }] },
      { code: 'nowhere', name: '无', jurisdictionCode: '320699' },
      { code: 'retired', name: '旧', jurisdictionCode: '320613099' },
      { code: 'good-one', name: '好', jurisdictionCode: '320613' },
    ], true);
    expect(body.errors).toBeUndefined();
    expect(body.data!.importDepartments.results.map((r) => [r.status, r.error?.code, r.error?.field])).toEqual([
      ['REJECTED', 'INVALID_FIELD', 'code'],
      ['REJECTED', 'INVALID_FIELD', 'name'],
      ['REJECTED', 'INVALID_FIELD', 'domains'],
      ['REJECTED', 'UNKNOWN_UNIT', 'jurisdictionCode'],
      ['REJECTED', 'RETIRED_UNIT', 'jurisdictionCode'],
      ['SKIPPED', undefined, undefined],
    ]);
    expect(await departmentCodes()).not.toContain('good-one');
  });

  it('a non-admin, and an admin outside its subtree, are FORBIDDEN with nothing written', async () => {
    const before = await departmentCodes();
    const officer = await importDepartments('chongchuan.officer', [{ code: 'x-1', name: 'x', jurisdictionCode: '320613' }]);
    expect(officer.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    await hub.gql(IMPORT_PRINCIPALS, { input: { source: 'city.admin', records: [{ name: 'xt.admin', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' }] } }, { as: 'city.admin' });
    const outside = await importDepartments('xt.admin', [{ code: 'x-2', name: 'x', jurisdictionCode: '320613006' }, { code: 'x-3', name: 'x', jurisdictionCode: '320613' }]);
    expect(outside.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const moving = await importDepartments('xt.admin', [{ code: 'iot-platform', name: '崇川区物联网感知平台', jurisdictionCode: '320613006' }]);
    expect(moving.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(await departmentCodes()).toEqual(before);
    const inside = await importDepartments('xt.admin', [{ code: 'xt-app', name: '学田应用', jurisdictionCode: '320613006' }]);
    expect(inside.body.data!.importDepartments).toMatchObject({ accepted: 1 });
  });

  it('an adapter of a new department ingests alerts of its domain within its jurisdiction only', async () => {
    await hub.gql(IMPORT_PRINCIPALS, { input: { source: 'city.admin', records: [{ name: 'water-adapter', kind: 'ADAPTER', roles: ['ADAPTER'], department: 'water-works' }] } }, { as: 'city.admin' });
    const at = new Date().toISOString();
    const { body } = await hub.gql<{ ingestAlerts: { accepted: number; rejected: number } }>(
      INGEST_ALERTS,
      { input: { source: 'water-adapter', records: [{ externalId: 'w-1', type: 'HYDRANT_PRESSURE_LOW', severity: 'HIGH', occurredAt: at, unitCode: '320613006' }, { externalId: 'w-2', type: 'SMOKE', severity: 'HIGH', occurredAt: at, unitCode: '320613006' }] } },
      { as: 'water-adapter' },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.ingestAlerts).toMatchObject({ accepted: 1, rejected: 1 });
  });
});
