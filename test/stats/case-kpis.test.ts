// caseKpis (GB/T 30428 综合评价) against KPIs computed here from the cases' rows: the demo's
// cases in every state, plus a few made here with known times, deadlines, reopenings and ratings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { executeRows } from '../../src/platform/db/rows.js';

const KPIS = /* GraphQL */ `
  query Kpis($unitCode: String!, $from: DateTime!, $to: DateTime!) {
    caseKpis(unitCode: $unitCode, from: $from, to: $to) {
      unit { code } opened closed closedOnTime onTimeClosureRate averageHandlingHours overdue reopened reopenRate rated averageSatisfaction
      children { unit { code } opened closed closedOnTime onTimeClosureRate averageHandlingHours overdue reopened reopenRate rated averageSatisfaction children { opened } }
    }
  }
`;

interface CaseRow {
  path: string;
  assignee: string;
  state: string;
  opened: Date;
  closed: Date | null;
  deadline: Date;
  reopen: number;
  satisfaction: number | null;
}

const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);
const HOME: Record<string, string> = {
  'city.admin': '320600',
  'chongchuan.officer': '320600.320613',
  'xuetian.officer': '320600.320613.320613006',
  'shuguang.officer': '320600.320613.320613006.320613006001',
  'hujing.grid': '320600.320613.320613006.320613006001.320613006001001',
};

let hub: TestHub;
let all: CaseRow[] = [];
let now: Date;

beforeAll(async () => {
  hub = await createTestHub();
  const rows = await executeRows<any>(
    hub.database.db,
    sql`select unit_path, assignee_path, state, opened_at, closed_at, deadline_at, reopen_count, satisfaction from cases`,
  );
  all = rows.map((r) => ({
    path: r.unit_path,
    assignee: r.assignee_path,
    state: r.state,
    opened: new Date(r.opened_at),
    closed: r.closed_at ? new Date(r.closed_at) : null,
    deadline: new Date(r.deadline_at),
    reopen: Number(r.reopen_count),
    satisfaction: r.satisfaction === null ? null : Number(r.satisfaction),
  }));
  now = new Date(Math.max(...all.map((c) => c.opened.getTime())) + 1);
});
afterAll(async () => {
  await hub?.close();
});

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

function kpis(cases: CaseRow[], from: Date, to: Date) {
  const live = cases.filter((c) => c.opened < to && (c.closed === null || c.closed >= from));
  const closed = live.filter((c) => c.state === 'CLOSED' && c.closed && c.closed >= from && c.closed < to);
  const onTime = closed.filter((c) => (c.closed as Date) <= c.deadline).length;
  const reopened = closed.filter((c) => c.reopen > 0).length;
  const rated = closed.filter((c) => c.satisfaction !== null);
  const hours = closed.map((c) => ((c.closed as Date).getTime() - c.opened.getTime()) / 1000);
  return {
    opened: live.filter((c) => c.opened >= from).length,
    closed: closed.length,
    closedOnTime: onTime,
    onTimeClosureRate: closed.length ? round(onTime / closed.length, 4) : null,
    averageHandlingHours: closed.length ? round(hours.reduce((a, b) => a + b, 0) / closed.length / 3600, 2) : null,
    overdue: live.filter((c) => (c.closed === null || c.closed >= to) && c.state !== 'SUSPENDED' && c.deadline < to).length,
    reopened,
    reopenRate: closed.length ? round(reopened / closed.length, 4) : null,
    rated: rated.length,
    averageSatisfaction: rated.length ? round(rated.reduce((a, c) => a + (c.satisfaction as number), 0) / rated.length, 2) : null,
  };
}

describe('caseKpis', () => {
  it('equals KPIs computed from the rows, for random principals, units and periods', async () => {
    const units = ['320600.320613', '320600.320613.320613006', '320600.320613.320613008', '320600.320613.320613006.320613006001', '320600.320613.320613006.320613006001.320613006001001'];
    const children = await executeRows<{ code: string; parent_code: string }>(hub.database.db, sql`select code, parent_code from units`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(HOME)), fc.constantFrom(...units), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), async (as, unitPath, startDays, spanDays) => {
        const from = new Date(now.getTime() - startDays * 86_400_000);
        const to = new Date(from.getTime() + spanDays * 86_400_000);
        const home = HOME[as] as string;
        const unitCode = unitPath.split('.').at(-1) as string;
        const { body } = await hub.gql<any>(KPIS, { unitCode, from: from.toISOString(), to: to.toISOString() }, { as });
        if (!within(unitPath, home) && !within(home, unitPath)) {
          expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
          return;
        }
        expect(body.errors).toBeUndefined();
        const visible = all.filter((c) => within(c.path, home) || within(c.assignee, home));
        const mine = visible.filter((c) => within(c.path, unitPath));
        const { children: got, unit, ...total } = body.data.caseKpis;
        expect(unit.code).toBe(unitCode);
        expect(total).toEqual(kpis(mine, from, to));
        const kids = children.filter((c) => c.parent_code === unitCode).map((c) => c.code).sort();
        expect(got.map((c: any) => c.unit.code)).toEqual(kids);
        for (const child of got) {
          const { unit: u, children: none, ...figures } = child;
          expect(none).toEqual([]);
          expect(figures).toEqual(kpis(mine.filter((c) => c.path.split('.').includes(u.code)), from, to));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('has cases to count: some closed on time, some late, some overdue in the last 30 days', () => {
    const from = new Date(now.getTime() - 30 * 86_400_000);
    const k = kpis(all, from, now);
    expect(k.closed).toBeGreaterThan(0);
    expect(k.overdue + (k.closed - k.closedOnTime)).toBeGreaterThan(0);
  });

  it('refuses who reads no cases, units outside the scope, and empty periods', async () => {
    const vars = { unitCode: '320613', from: new Date(now.getTime() - 86_400_000).toISOString(), to: now.toISOString() };
    const code = async (as: string | undefined, v: Record<string, unknown> = vars) => (await hub.gql<any>(KPIS, v, as ? { as } : {})).body.errors?.[0]?.extensions?.code;
    expect(await code('fire.officer')).toBe('FORBIDDEN');
    expect(await code('city.auditor')).toBe('FORBIDDEN');
    expect(await code('iot-platform')).toBe('FORBIDDEN');
    expect(await code(undefined)).toBe('UNAUTHENTICATED');
    expect(await code('wenfeng.officer', { ...vars, unitCode: '320613006' })).toBe('NOT_FOUND');
    expect(await code('xuetian.officer', { ...vars, from: vars.to })).toBe('BAD_USER_INPUT');
  });
});
