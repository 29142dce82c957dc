import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';
import { U, data, failure } from '../cases/support.js';

const { auditLog } = tables;

/**
 * ingestCases (EXTERNAL work orders, e.g. the 12345 hotline) and ingestPatrolReports (a
 * grid-management system) on the contract of ingestAlerts: a result per record,
 * (source, externalId) idempotency, at most 1,000, atomic, jurisdiction and domain per record.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const INGEST_CASES = /* GraphQL */ `
  mutation($input: IngestCasesInput!) { ingestCases(input: $input) { accepted duplicates rejected skipped results { index externalId status id: recordId error { code field } } } }
`;
const INGEST_PATROLS = /* GraphQL */ `
  mutation($input: IngestPatrolReportsInput!) { ingestPatrolReports(input: $input) { accepted duplicates rejected skipped results { index externalId status id: recordId error { code field } } } }
`;

function order(externalId: string, extra: Record<string, unknown> = {}) {
  return { externalId, unitCode: U.shuguang, title: '噪音扰民', category: 'CONSTRUCTION', severity: 'MEDIUM', reporterName: '李四', reporterPhone: '13800001234', ...extra };
}

describe('ingestCases', () => {
  it('a result per record; a retry is DUPLICATE; the cases are EXTERNAL and REPORTED', async () => {
    const records = [order('12345-T-1'), order('12345-T-2', { unitCode: '999999999' }), order('12345-T-1'), order('12345-T-3', { unitCode: '320600' }), order('12345-T-4', { title: '' })];
    const report = data(await hub.gql<{ ingestCases: any }>(INGEST_CASES, { input: { source: '12345-hotline', records } }, { as: '12345-hotline' })).ingestCases;
    expect(report).toEqual({
      accepted: 1, duplicates: 1, rejected: 3, skipped: 0,
      results: [
        { index: 0, externalId: '12345-T-1', status: 'ACCEPTED', id: expect.any(String), error: null },
        { index: 1, externalId: '12345-T-2', status: 'REJECTED', id: null, error: { code: 'UNKNOWN_UNIT', field: 'unitCode' } },
        { index: 2, externalId: '12345-T-1', status: 'DUPLICATE', id: report.results[0].id, error: null },
        { index: 3, externalId: '12345-T-3', status: 'REJECTED', id: null, error: { code: 'OUT_OF_JURISDICTION', field: 'unitCode' } },
        { index: 4, externalId: '12345-T-4', status: 'REJECTED', id: null, error: { code: 'INVALID_FIELD', field: 'title' } },
      ],
    });
    // The audit entries every ingest mutation writes: the batch's, with refusals counted by code,
    // and a DENIED one naming the record refused for jurisdiction.
    const entries = await hub.database.db.select().from(auditLog).where(eq(auditLog.operation, 'ingestCases')).orderBy(desc(auditLog.seq)).limit(2);
    expect(entries.reverse().map((e) => [e.outcome, e.kind, e.recordIds, e.details])).toEqual([
      ['ALLOWED', 'Case', [report.results[0].id], { source: '12345-hotline', records: 5, inserted: 1, rejected: { UNKNOWN_UNIT: 1, OUT_OF_JURISDICTION: 1, INVALID_FIELD: 1 }, aborted: false }],
      ['DENIED', 'Case', [], { refused: [{ externalId: '12345-T-3', code: 'OUT_OF_JURISDICTION' }], count: 1 }],
    ]);
    const again = data(await hub.gql<{ ingestCases: any }>(INGEST_CASES, { input: { source: '12345-hotline/wx', records: [order('12345-T-9')] } }, { as: '12345-hotline' })).ingestCases;
    expect(again.accepted).toBe(1);
    const retry = data(await hub.gql<{ ingestCases: any }>(INGEST_CASES, { input: { source: '12345-hotline', records: [order('12345-T-1')] } }, { as: '12345-hotline' })).ingestCases;
    expect(retry.results).toEqual([{ index: 0, externalId: '12345-T-1', status: 'DUPLICATE', id: report.results[0].id, error: null }]);
    const c = data(await hub.gql<{ case: any }>('query($id: ID!) { case(id: $id) { state openedBy origin { kind id: recordId source externalId } unit { code } assignee { code } reporterName } }', { id: report.results[0].id }, { as: 'shuguang.officer' })).case;
    expect(c).toEqual({ state: 'REPORTED', openedBy: '12345-hotline', origin: { kind: 'EXTERNAL', id: null, source: '12345-hotline', externalId: '12345-T-1' }, unit: { code: U.shuguang }, assignee: { code: U.shuguang }, reporterName: '李四' });
  });

  it('atomic: one bad record and nothing is written; wrong callers are refused', async () => {
    const atomic = data(await hub.gql<{ ingestCases: any }>(INGEST_CASES, { input: { source: '12345-hotline', atomic: true, records: [order('12345-A-1'), order('12345-A-2', { unitCode: 'x' })] } }, { as: '12345-hotline' })).ingestCases;
    expect([atomic.accepted, atomic.skipped, atomic.rejected, atomic.results.map((r: any) => r.status)]).toEqual([0, 1, 1, ['SKIPPED', 'REJECTED']]);
    for (const as of ['iot-platform', 'xuetian.officer', 'grid-app']) {
      expect({ as, e: failure(await hub.gql(INGEST_CASES, { input: { source: as, records: [order('x')] } }, { as })).extensions }).toEqual({ as, e: { code: 'FORBIDDEN', action: 'ingest', subject: 'Case' } });
    }
    expect(failure(await hub.gql(INGEST_CASES, { input: { source: 'iot-platform', records: [order('x')] } }, { as: '12345-hotline' })).extensions).toEqual({ code: 'FORBIDDEN', action: 'ingest', subject: 'source' });
    const tooMany = Array.from({ length: 1001 }, (_, i) => order(`many-${i}`));
    expect(failure(await hub.gql(INGEST_CASES, { input: { source: '12345-hotline', records: tooMany } }, { as: '12345-hotline' })).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'records' });
  });
});

describe('ingestPatrolReports', () => {
  const now = Date.now();
  function patrol(externalId: string, extra: Record<string, unknown> = {}) {
    return {
      externalId, gridCode: U.hujing, filedBy: '王网格员', startedAt: new Date(now - 7_200_000).toISOString(), endedAt: new Date(now - 3_600_000).toISOString(),
      findings: [{ category: 'FACILITIES', description: '路灯不亮', severity: 'LOW', photoUrls: ['https://example.org/l.jpg'] }], ...extra,
    };
  }

  it('a result per record, with findings; idempotent; atomic; scoped', async () => {
    const records = [
      patrol('P-1'),
      patrol('P-2', { gridCode: U.shuguang }),
      patrol('P-3', { findings: [{ category: 'FACILITIES', description: 'x', severity: 'LOW', photoUrls: ['javascript:alert(1)'] }] }),
      patrol('P-1'),
      patrol('P-4', { findings: [] }),
    ];
    const report = data(await hub.gql<{ ingestPatrolReports: any }>(INGEST_PATROLS, { input: { source: 'grid-app', records } }, { as: 'grid-app' })).ingestPatrolReports;
    expect(report).toEqual({
      accepted: 2, duplicates: 1, rejected: 2, skipped: 0,
      results: [
        { index: 0, externalId: 'P-1', status: 'ACCEPTED', id: expect.any(String), error: null },
        { index: 1, externalId: 'P-2', status: 'REJECTED', id: null, error: { code: 'INVALID_FIELD', field: 'gridCode' } },
        { index: 2, externalId: 'P-3', status: 'REJECTED', id: null, error: { code: 'INVALID_FIELD', field: 'findings.0.photoUrls.0' } },
        { index: 3, externalId: 'P-1', status: 'DUPLICATE', id: report.results[0].id, error: null },
        { index: 4, externalId: 'P-4', status: 'ACCEPTED', id: expect.any(String), error: null },
      ],
    });
    const stored = data(await hub.gql<{ patrolReport: any }>('query($id: ID!) { patrolReport(id: $id) { filedBy source externalId unit { code } findings { seq description photoUrls } } }', { id: report.results[0].id }, { as: 'hujing.grid' })).patrolReport;
    expect(stored).toEqual({ filedBy: '王网格员', source: 'grid-app', externalId: 'P-1', unit: { code: U.hujing }, findings: [{ seq: 1, description: '路灯不亮', photoUrls: ['https://example.org/l.jpg'] }] });
    const retry = data(await hub.gql<{ ingestPatrolReports: any }>(INGEST_PATROLS, { input: { source: 'grid-app', records: [patrol('P-1'), patrol('P-4')] } }, { as: 'grid-app' })).ingestPatrolReports;
    expect(retry.results.map((r: any) => [r.status, r.id])).toEqual([['DUPLICATE', report.results[0].id], ['DUPLICATE', report.results[4].id]]);
    const atomic = data(await hub.gql<{ ingestPatrolReports: any }>(INGEST_PATROLS, { input: { source: 'grid-app', atomic: true, records: [patrol('P-5'), patrol('P-6', { gridCode: '320600' })] } }, { as: 'grid-app' })).ingestPatrolReports;
    expect(atomic.results.map((r: any) => [r.status, r.error?.code ?? null])).toEqual([['SKIPPED', null], ['REJECTED', 'INVALID_FIELD']]);
    for (const as of ['iot-platform', 'hujing.grid', '12345-hotline']) {
      expect({ as, e: failure(await hub.gql(INGEST_PATROLS, { input: { source: as, records: [patrol('x')] } }, { as })).extensions }).toEqual({ as, e: { code: 'FORBIDDEN', action: 'ingest', subject: 'PatrolReport' } });
    }
  });
});
