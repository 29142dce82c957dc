// Analysis reports: the demo's weekly reports, figures against independent counts, generation
// (idempotent per unit and period), the weekly run on the hub clock (exactly once per street
// and week, also with two hubs on one database), reading down the tree and through a grant,
// and the printable page's credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { executeRows } from '../../src/platform/db/rows.js';
import { tables } from '../../src/tables.js';
import { weeklyReports } from '../../src/modules/reports/index.js';

const { principals } = tables;

const FIELDS = 'id periodKind from to generatedBy unit { code name } figures';
const LIST = /* GraphQL */ `query List($filter: ReportFilter, $first: Int, $after: String) { reports(filter: $filter, first: $first, after: $after) { totalCount edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const ONE = /* GraphQL */ `query One($id: ID!) { report(id: $id) { ${FIELDS} printUrl } }`;
const GENERATE = /* GraphQL */ `mutation Gen($unitCode: String!, $period: ReportPeriodInput!) { generateReport(unitCode: $unitCode, period: $period) { id periodKind from to generatedBy unit { code } figures } }`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`;

const DAY = 86_400_000;
const CST = 8 * 3_600_000;
const XUETIAN = '320613006';
const clock = new TestClock();
let hub: TestHub;

/** Monday 00:00 Asia/Shanghai of the week holding `at`, computed here on its own. */
function mondayOf(at: Date): Date {
  const local = new Date(at.getTime() + CST);
  const weekday = (local.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - weekday) - CST);
}

const code = (body: any) => body.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  hub = await createTestHub({ clock });
  await hub.database.db.insert(principals).values([{ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: XUETIAN }]);
});
afterAll(async () => {
  await hub?.close();
});

async function seededReports(as = 'chongchuan.officer') {
  const { body } = await hub.gql<any>(LIST, { filter: { unitCode: '320613' }, first: 100 }, { as });
  expect(body.errors).toBeUndefined();
  return body.data.reports;
}

describe('the demo data', () => {
  it('holds one report per street for the last week that ended before the seed', async () => {
    const list = await seededReports();
    const streets = await executeRows<{ code: string }>(hub.database.db, sql`select code from units where tier = 'STREET' order by code`);
    expect(list.totalCount).toBe(streets.length);
    expect(list.edges.map((e: any) => e.node.unit.code).sort()).toEqual(streets.map((s) => s.code));
    const from = new Date(list.edges[0].node.from);
    expect(new Set(list.edges.map((e: any) => `${e.node.periodKind} ${e.node.from} ${e.node.to} ${e.node.generatedBy}`))).toEqual(
      new Set([`WEEK ${from.toISOString()} ${new Date(from.getTime() + 7 * DAY).toISOString()} seed`]),
    );
    expect(from.getTime()).toBe(mondayOf(from).getTime());
  });

  it('has figures equal to counts made here from the rows', async () => {
    const report = (await seededReports()).edges.find((e: any) => e.node.unit.code === XUETIAN).node;
    const f = report.figures;
    const from = new Date(report.from);
    const to = new Date(report.to);
    const alerts = await executeRows<{ path: string; type: string; at: string | Date; street: string }>(
      hub.database.db,
      sql`select unit_path as path, type, occurred_at as at, street_code as street from alerts where district_code = '320613'`,
    );
    const inRange = (a: { at: string | Date }, lo: Date, hi: Date) => new Date(a.at) >= lo && new Date(a.at) < hi;
    const mine = alerts.filter((a) => a.street === XUETIAN && inRange(a, from, to));
    expect(f.totals.ALERTS).toBe(mine.length);
    const byType = new Map<string, number>();
    for (const a of mine) byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
    expect(Object.fromEntries(f.byType.ALERTS.map((t: any) => [t.key, t.count]))).toEqual(Object.fromEntries(byType));
    const byCommunity = new Map<string, number>();
    for (const a of mine) {
      const community = a.path.split('.')[3];
      if (community) byCommunity.set(community, (byCommunity.get(community) ?? 0) + 1);
    }
    expect(f.byChildUnit.ALERTS).toHaveLength(5);
    for (const c of f.byChildUnit.ALERTS) expect(c.count).toBe(byCommunity.get(c.code) ?? 0);
    expect(f.byDay.ALERTS).toHaveLength(7);
    expect(f.byDay.ALERTS.reduce((n: number, d: any) => n + d.count, 0)).toBe(mine.length);
    const before = alerts.filter((a) => a.street === XUETIAN && inRange(a, new Date(from.getTime() - 7 * DAY), from)).length;
    expect(f.previous.totals.ALERTS).toBe(before);
    expect(f.previous.change.ALERTS).toEqual({ previous: before, current: mine.length, delta: mine.length - before, ratio: before ? Math.round((mine.length / before - 1) * 1e4) / 1e4 : null });
    // Siblings: the 16 streets of 崇川区.
    const perStreet = new Map<string, number>();
    for (const a of alerts.filter((x) => inRange(x, from, to))) perStreet.set(a.street, (perStreet.get(a.street) ?? 0) + 1);
    const streets = await executeRows<{ code: string }>(hub.database.db, sql`select code from units where parent_code = '320613'`);
    const values = streets.map((s) => perStreet.get(s.code) ?? 0);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(f.siblings.parent).toEqual({ code: '320613', name: '崇川区' });
    expect(f.siblings.units).toBe(streets.length);
    expect(f.siblings.ranks.ALERTS).toEqual({ value: mine.length, rank: 1 + values.filter((v) => v > mine.length).length, mean: Math.round(mean * 100) / 100, ratioToMean: Math.round((mine.length / mean) * 1e4) / 1e4 });
    expect(f.topProblems[0]).toMatchObject({ kind: 'ALERTS', type: f.byType.ALERTS[0].key, count: f.byType.ALERTS[0].count });
    // Cases opened in the week, and the KPIs' closed count, from the rows.
    const caseRows = await executeRows<{ opened: string | Date; closed: string | Date | null; state: string }>(
      hub.database.db,
      sql`select opened_at as opened, closed_at as closed, state from cases where street_code = ${XUETIAN}`,
    );
    expect(f.totals.CASES).toBe(caseRows.filter((c) => new Date(c.opened) >= from && new Date(c.opened) < to).length);
    expect(f.caseKpis.closed).toBe(caseRows.filter((c) => c.state === 'CLOSED' && c.closed && new Date(c.closed) >= from && new Date(c.closed) < to).length);
    expect(f.caseKpis.children.map((c: any) => c.code)).toEqual(f.byChildUnit.ALERTS.map((c: any) => c.code).sort());
    // Aggregates only: no field of a record or a person anywhere in the figures.
    expect(JSON.stringify(f)).not.toMatch(/1380000|示例|contact|holder|address/);
  });
});

describe('generateReport', () => {
  it('stores a month once: asking again answers the same report', async () => {
    const local = new Date(clock.now().getTime() + CST);
    const lastMonth = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 15)).toISOString().slice(0, 10);
    const period = { kind: 'MONTH', date: lastMonth };
    const first = await hub.gql<any>(GENERATE, { unitCode: '320613006001', period }, { as: 'xuetian.officer' });
    expect(first.body.errors).toBeUndefined();
    const again = await hub.gql<any>(GENERATE, { unitCode: '320613006001', period }, { as: 'shuguang.officer' });
    expect(again.body.data.generateReport).toEqual(first.body.data.generateReport);
    const r = first.body.data.generateReport;
    expect(r).toMatchObject({ periodKind: 'MONTH', generatedBy: 'xuetian.officer', unit: { code: '320613006001' } });
    expect(new Date(r.from).getTime()).toBe(Date.UTC(Number(lastMonth.slice(0, 4)), Number(lastMonth.slice(5, 7)) - 1, 1) - CST);
    const rows = await executeRows<{ n: number }>(hub.database.db, sql`select count(*)::int as n from reports where unit_code = '320613006001'`);
    expect(rows[0]?.n).toBe(1);
    const audit = await executeRows<{ actor: string }>(hub.database.db, sql`select actor from audit_log where operation = 'generateReport' and ${r.id} = any(record_ids)`);
    expect(audit).toEqual([{ actor: 'xuetian.officer' }]);
  });

  it('refuses who may not, and periods that have not ended', async () => {
    const week = { kind: 'WEEK', date: new Date(clock.now().getTime() - 14 * DAY + CST).toISOString().slice(0, 10) };
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: week }, { as: 'wenfeng.officer' })).body)).toBe('FORBIDDEN');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: week }, { as: 'shuguang.officer' })).body)).toBe('FORBIDDEN');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: '320613006001001', period: week }, { as: 'hujing.grid' })).body)).toBe('FORBIDDEN');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: week }, { as: 'fire.officer' })).body)).toBe('FORBIDDEN');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: week }, { as: 'city.auditor' })).body)).toBe('FORBIDDEN');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: week })).body)).toBe('UNAUTHENTICATED');
    const today = new Date(clock.now().getTime() + CST).toISOString().slice(0, 10);
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: { kind: 'WEEK', date: today } }, { as: 'xuetian.officer' })).body)).toBe('BAD_USER_INPUT');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: { kind: 'CUSTOM', from: clock.now().toISOString() } }, { as: 'xuetian.officer' })).body)).toBe('BAD_USER_INPUT');
    expect(code((await hub.gql<any>(GENERATE, { unitCode: XUETIAN, period: { kind: 'WEEK', date: '2026-02-30' } }, { as: 'xuetian.officer' })).body)).toBe('BAD_USER_INPUT');
    const none = await executeRows<{ n: number }>(hub.database.db, sql`select count(*)::int as n from reports where generated_by <> 'seed' and unit_code = ${XUETIAN}`);
    expect(none[0]?.n).toBe(0);
  });
});

describe('reading reports', () => {
  it('is shared down the tree: the street’s communities and grids read its report, another street does not', async () => {
    const id = (await seededReports()).edges.find((e: any) => e.node.unit.code === XUETIAN).node.id;
    for (const as of ['city.admin', 'chongchuan.officer', 'xuetian.officer', 'shuguang.officer', 'hujing.grid']) {
      const { body } = await hub.gql<any>(ONE, { id }, { as });
      expect(body.errors, as).toBeUndefined();
      expect(body.data.report.unit.code).toBe(XUETIAN);
    }
    for (const as of ['wenfeng.officer']) expect(code((await hub.gql<any>(ONE, { id }, { as })).body)).toBe('NOT_FOUND');
    for (const as of ['fire.officer', 'city.auditor', 'iot-platform']) expect(code((await hub.gql<any>(ONE, { id }, { as })).body)).toBe('NOT_FOUND');
    // 互敬网格 reads the reports of its grid, community, street and district: 学田's, not the other streets'.
    const { body } = await hub.gql<any>(LIST, { first: 100 }, { as: 'hujing.grid' });
    expect(body.data.reports.edges.map((e: any) => e.node.unit.code)).toContain(XUETIAN);
    expect(body.data.reports.edges.every((e: any) => ['320600', '320613', XUETIAN, '320613006001', '320613006001001'].includes(e.node.unit.code))).toBe(true);
    expect(code((await hub.gql<any>(LIST, { first: 10 }, { as: 'fire.officer' })).body)).toBe('FORBIDDEN');
  });

  it('reaches a department through a REPORT grant, only within the granted unit', async () => {
    const list = (await seededReports()).edges.map((e: any) => e.node);
    const xuetian = list.find((n: any) => n.unit.code === XUETIAN).id;
    const wenfeng = list.find((n: any) => n.unit.code === '320613008').id;
    const grant = await hub.gql<any>(
      GRANT,
      { input: { granteeDepartmentCode: 'fire-brigade', kind: 'REPORT', types: ['WEEK'], withinUnitCode: XUETIAN, expiresAt: new Date(clock.now().getTime() + DAY).toISOString(), reason: '消防形势研判' } },
      { as: 'xuetian.admin' },
    );
    expect(grant.body.errors).toBeUndefined();
    expect((await hub.gql<any>(ONE, { id: xuetian }, { as: 'fire.officer' })).body.data.report.unit.code).toBe(XUETIAN);
    expect(code((await hub.gql<any>(ONE, { id: wenfeng }, { as: 'fire.officer' })).body)).toBe('NOT_FOUND');
    const { body } = await hub.gql<any>(LIST, { first: 100 }, { as: 'fire.officer' });
    expect(body.data.reports.edges.map((e: any) => e.node.unit.code)).toEqual([XUETIAN]);
  });
});

describe('the printable page', () => {
  it('opens with a Bearer token or its print link, and refuses everything else', async () => {
    const list = (await seededReports()).edges.map((e: any) => e.node);
    const id = list.find((n: any) => n.unit.code === XUETIAN).id;
    const other = list.find((n: any) => n.unit.code === '320613008').id;
    const bearer = await hub.token('shuguang.officer');
    const withHeader = await fetch(`${hub.url}/reports/${id}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(withHeader.status).toBe(200);
    expect(withHeader.headers.get('content-type')).toMatch(/text\/html/);
    expect(withHeader.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await withHeader.text();
    expect(html).toContain('学田街道周报');
    expect(html).toContain('<svg id="chart-days"');
    expect(html).not.toMatch(/<script|https?:\/\//);

    const printUrl: string = (await hub.gql<any>(ONE, { id }, { as: 'shuguang.officer' })).body.data.report.printUrl;
    expect(printUrl).toMatch(new RegExp(`^/reports/${id}\\?access_token=`));
    expect((await fetch(`${hub.url}${printUrl}`)).status).toBe(200);
    const token = new URL(printUrl, hub.url).searchParams.get('access_token') as string;
    // For that report only; not a bearer token; and a bearer token is not a link.
    expect((await fetch(`${hub.url}/reports/${other}?access_token=${token}`)).status).toBe(401);
    expect(code((await hub.gql<any>('{ me { name } }', {}, { authorization: `Bearer ${token}` })).body)).toBe('UNAUTHENTICATED');
    expect((await fetch(`${hub.url}/reports/${id}?access_token=${bearer}`)).status).toBe(401);
    expect((await fetch(`${hub.url}/reports/${id}`)).status).toBe(401);
    // Outside the caller's scope, and no such report: 404 either way.
    expect((await fetch(`${hub.url}/reports/${other}`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(404);
    expect((await fetch(`${hub.url}/reports/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(404);
    // It expires after ten minutes.
    clock.advance(11 * 60_000);
    expect((await fetch(`${hub.url}${printUrl}`)).status).toBe(401);
    clock.advance(-11 * 60_000);
  });
});

describe('the weekly run', () => {
  it('makes each street’s report once when a week has ended on the hub clock, also with two hubs at once', async () => {
    const second = await createTestHub({ clock, database: hub.database });
    try {
      const seededFrom = new Date((await seededReports()).edges[0].node.from);
      // Nothing is due in the week the demo was seeded in.
      expect(await hub.handle.hub.singles.of(weeklyReports).runDue()).toBe(0);
      const saved = clock.now();
      clock.set(new Date(seededFrom.getTime() + 14 * DAY + 9 * 3_600_000));
      const made = await Promise.all([hub.handle.hub.singles.of(weeklyReports).runDue(), second.handle.hub.singles.of(weeklyReports).runDue()]);
      const week = new Date(seededFrom.getTime() + 7 * DAY);
      const rows = await executeRows<{ unit_code: string; n: number }>(
        hub.database.db,
        sql`select unit_code, count(*)::int as n from reports where period_from = ${week.toISOString()}::timestamptz and generated_by = 'scheduler' group by unit_code`,
      );
      expect(rows).toHaveLength(16);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(made[0] + made[1]).toBe(16);
      const audited = await executeRows<{ n: number }>(hub.database.db, sql`select count(*)::int as n from audit_log where operation = 'generateReport' and actor = 'scheduler'`);
      expect(audited[0]?.n).toBe(16);
      expect(await second.handle.hub.singles.of(weeklyReports).runDue()).toBe(0);
      clock.set(saved);
    } finally {
      await second.close();
    }
  });
});
