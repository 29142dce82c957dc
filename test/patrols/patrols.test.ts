import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { U, data, failure } from '../cases/support.js';

/**
 * Patrol reports: a grid worker files one for their grid (officers for grids within their
 * unit), with findings validated field by field; lists are scoped like every other; a finding
 * opens a case and the two link.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const FILE = /* GraphQL */ `
  mutation File($input: FilePatrolReportInput!) {
    filePatrolReport(input: $input) {
      id filedBy routeNote source externalId unit { code }
      findings { id seq category description severity location { lat lng } photoUrls case { id } unit { code } }
    }
  }
`;

const start = new Date(Date.now() - 2 * 3_600_000);
const end = new Date(Date.now() - 3_600_000);
function report(extra: Record<string, unknown> = {}) {
  return {
    gridCode: U.hujing,
    startedAt: start.toISOString(),
    endedAt: end.toISOString(),
    routeNote: '曙光新村 → 沿街商铺',
    findings: [
      { category: 'SAFETY_HAZARD', description: '12幢楼道堆物', severity: 'MEDIUM', location: { lat: 32.0151, lng: 120.8652 }, photoUrls: ['https://example.org/p/1.jpg', 'http://example.org/p/2.jpg'] },
      { category: 'STREET_ORDER', description: '占道经营', severity: 'LOW' },
    ],
    ...extra,
  };
}

describe('filePatrolReport', () => {
  it('a grid worker files for their grid; the finding opens a case, linked both ways', async () => {
    const filed = data(await hub.gql<{ filePatrolReport: any }>(FILE, { input: report() }, { as: 'hujing.grid' })).filePatrolReport;
    expect(filed).toEqual({
      id: expect.any(String), filedBy: 'hujing.grid', routeNote: '曙光新村 → 沿街商铺', source: null, externalId: null, unit: { code: U.hujing },
      findings: [
        { id: expect.any(String), seq: 1, category: 'SAFETY_HAZARD', description: '12幢楼道堆物', severity: 'MEDIUM', location: { lat: 32.0151, lng: 120.8652 }, photoUrls: ['https://example.org/p/1.jpg', 'http://example.org/p/2.jpg'], case: null, unit: { code: U.hujing } },
        { id: expect.any(String), seq: 2, category: 'STREET_ORDER', description: '占道经营', severity: 'LOW', location: null, photoUrls: [], case: null, unit: { code: U.hujing } },
      ],
    });
    const findingId = filed.findings[0].id;
    const opened = data(await hub.gql<{ openCase: { id: string; title: string; category: string; severity: string; origin: { kind: string; id: string }; finding: { id: string } } }>(
      'mutation($i: OpenCaseInput!) { openCase(input: $i) { id title category severity origin { kind id: recordId } finding { id } } }', { i: { findingId } }, { as: 'hujing.grid' },
    )).openCase;
    expect(opened).toEqual({ id: expect.any(String), title: '12幢楼道堆物', category: 'SAFETY_HAZARD', severity: 'MEDIUM', origin: { kind: 'PATROL_FINDING', id: findingId }, finding: { id: findingId } });
    const listed = data(await hub.gql<{ patrolReport: { findings: { case: { id: string } | null }[] } }>('query($id: ID!) { patrolReport(id: $id) { findings { case { id } } } }', { id: filed.id }, { as: 'xuetian.officer' }));
    expect(listed.patrolReport.findings).toEqual([{ case: { id: opened.id } }, { case: null }]);
    expect(failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { findingId } }, { as: 'xuetian.officer' })).extensions!['code']).toBe('CONFLICT');
  });

  it('checks every field: photos (http(s), at most 9), times, the grid', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ findings: [{ category: 'FACILITIES', description: 'x', severity: 'LOW', photoUrls: ['ftp://example.org/a.jpg'] }] }, 'input.findings.0.photoUrls.0'],
      [{ findings: [{ category: 'FACILITIES', description: 'x', severity: 'LOW', photoUrls: Array.from({ length: 10 }, (_, i) => `https://example.org/${i}.jpg`) }] }, 'input.findings.0.photoUrls'],
      [{ findings: [{ category: 'FACILITIES', description: '  ', severity: 'LOW' }] }, 'input.findings.0.description'],
      [{ findings: [{ category: 'FACILITIES', description: 'x', severity: 'LOW', location: { lat: 91, lng: 0 } }] }, 'input.findings.0.location.lat'],
      [{ endedAt: new Date(start.getTime() - 1000).toISOString() }, 'input.endedAt'],
      [{ startedAt: new Date(Date.now() + 3_600_000).toISOString(), endedAt: new Date(Date.now() + 7_200_000).toISOString() }, 'input.startedAt'],
      [{ gridCode: U.shuguang }, 'input.gridCode'],
    ];
    for (const [extra, field] of bad) {
      expect({ field, e: failure(await hub.gql(FILE, { input: report(extra) }, { as: 'hujing.grid' })).extensions }).toEqual({ field, e: { code: 'BAD_USER_INPUT', field } });
    }
  });

  it('only the grid worker of that grid, or officers above it, may file; lists are scoped', async () => {
    const otherGrid = '320613006001002';
    expect(failure(await hub.gql(FILE, { input: report({ gridCode: otherGrid }) }, { as: 'hujing.grid' })).extensions).toEqual({ code: 'FORBIDDEN', action: 'file', subject: 'PatrolReport' });
    expect(failure(await hub.gql(FILE, { input: report() }, { as: 'wenfeng.officer' })).extensions).toEqual({ code: 'FORBIDDEN', action: 'file', subject: 'PatrolReport' });
    for (const as of ['fire.officer', 'city.auditor', 'iot-platform', 'grid-app']) {
      expect({ as, e: failure(await hub.gql(FILE, { input: report() }, { as })).extensions }).toEqual({ as, e: { code: 'FORBIDDEN', action: 'file', subject: 'PatrolReport' } });
    }
    expect(data(await hub.gql<{ filePatrolReport: { filedBy: string } }>(FILE, { input: report({ gridCode: otherGrid, findings: [] }) }, { as: 'shuguang.officer' })).filePatrolReport.filedBy).toBe('shuguang.officer');

    const list = async (as: string) =>
      data(await hub.gql<{ patrolReports: { totalCount: number; edges: { node: { unit: { code: string } } }[] } }>('{ patrolReports(first: 100) { totalCount edges { node { unit { code } } } } }', {}, { as })).patrolReports;
    const grid = await list('hujing.grid');
    expect(grid.totalCount).toBeGreaterThan(0);
    expect(grid.edges.filter((e) => e.node.unit.code !== U.hujing)).toEqual([]);
    expect((await list('wenfeng.officer')).totalCount).toBe(0); // the demo patrols are in 学田
    expect((await list('xuetian.officer')).totalCount).toBeGreaterThan(grid.totalCount);
    expect(failure(await hub.gql('{ patrolReports { totalCount } }', {}, { as: 'fire.officer' })).extensions).toEqual({ code: 'FORBIDDEN', action: 'read', subject: 'PatrolReport' });
    const one = grid.edges.length ? (await hub.gql<{ patrolReports: { edges: { node: { id: string } }[] } }>('{ patrolReports(first: 1) { edges { node { id } } } }', {}, { as: 'hujing.grid' })).body.data!.patrolReports.edges[0]!.node.id : '';
    expect(failure(await hub.gql('query($id: ID!) { patrolReport(id: $id) { id } }', { id: one }, { as: 'wenfeng.officer' })).extensions).toEqual({ code: 'NOT_FOUND', what: 'PatrolReport', key: one });
  });
});
