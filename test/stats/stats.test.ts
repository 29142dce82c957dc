// `stats` against counts computed independently: the rows are read with plain SQL and each
// principal's view is decided here from the documented rules (not from the hub's CASL rules),
// then counted in JS. fast-check draws principals, units, kinds, ranges and groupings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { executeRows } from '../../src/platform/db/rows.js';
import { tables } from '../../src/tables.js';

const { principals } = tables;

const STATS = /* GraphQL */ `
  query Stats($unitCode: String!, $kind: StatsKind!, $from: DateTime, $to: DateTime, $groupBy: [StatsGroup!]) {
    stats(unitCode: $unitCode, kind: $kind, from: $from, to: $to, groupBy: $groupBy) {
      kind groupBy timeZone total unit { code }
      buckets { count keys { type day status childUnit { code name } } }
    }
  }
`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`;

type Kind = 'ALERTS' | 'REQUESTS' | 'DEVICES' | 'CASES';
type Group = 'TYPE' | 'CHILD_UNIT' | 'DAY' | 'STATUS';
interface Row {
  path: string;
  /** A case's assignee unit: its handlers read it too. */
  assignee?: string | null;
  type: string;
  status: string;
  at: Date;
}

const FIRE_ALERTS = ['SMOKE', 'HYDRANT_PRESSURE_LOW', 'EBIKE_IN_ELEVATOR', 'FIRE_PASSAGE_BLOCKED'];
const FIRE_DEVICES = ['SMOKE_DETECTOR', 'FIRE_HYDRANT', 'ELEVATOR_EBIKE_BLOCKER'];
const P = {
  city: '320600',
  chongchuan: '320600.320613',
  xuetian: '320600.320613.320613006',
  wenfeng: '320600.320613.320613008',
  shuguang: '320600.320613.320613006.320613006001',
  hujing: '320600.320613.320613006.320613006001.320613006001001',
};
const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);

/** Staff read the records within their unit, and the cases assigned to a unit within it. */
const staff = (home: string) => (_k: Kind, r: Row) => within(r.path, home) || (r.assignee != null && within(r.assignee, home));
/** What each principal may read, written from the README's table, independently of the hub's rules. */
const VIEW: Record<string, (kind: Kind, row: Row) => boolean> = {
  'city.admin': staff(P.city),
  'chongchuan.officer': staff(P.chongchuan),
  'xuetian.officer': staff(P.xuetian),
  'wenfeng.officer': staff(P.wenfeng),
  'shuguang.officer': staff(P.shuguang),
  'hujing.grid': staff(P.hujing),
  'fire.officer': (k, r) => within(r.path, P.chongchuan) && (k === 'ALERTS' ? FIRE_ALERTS.includes(r.type) : k === 'DEVICES' ? FIRE_DEVICES.includes(r.type) : false),
};
const HOME: Record<string, string> = {
  'city.admin': P.city,
  'chongchuan.officer': P.chongchuan,
  'xuetian.officer': P.xuetian,
  'wenfeng.officer': P.wenfeng,
  'shuguang.officer': P.shuguang,
  'hujing.grid': P.hujing,
  'fire.officer': P.chongchuan,
};

let hub: TestHub;
const rows: Record<Kind, Row[]> = { ALERTS: [], REQUESTS: [], DEVICES: [], CASES: [] };
const names = new Map<string, string>();
let now: Date;

beforeAll(async () => {
  hub = await createTestHub();
  const load = (table: string, type: string, status: string, time: string, assignee = 'null') =>
    executeRows<{ path: string; assignee: string | null; type: string; status: string; at: string | Date }>(
      hub.database.db,
      sql.raw(`select unit_path as path, ${assignee} as assignee, ${type} as type, ${status} as status, ${time} as at from ${table}`),
    );
  for (const [kind, table, type, status, time, assignee] of [
    ['ALERTS', 'alerts', 'type', 'status', 'occurred_at', 'null'],
    ['REQUESTS', 'resident_requests', 'category', 'status', 'submitted_at', 'null'],
    ['DEVICES', 'devices', 'type', 'status', 'created_at', 'null'],
    ['CASES', 'cases', 'category', 'state', 'opened_at', 'assignee_path'],
  ] as const) {
    rows[kind] = (await load(table, type, status, time, assignee)).map((r) => ({ ...r, at: new Date(r.at) }));
  }
  expect(rows.CASES.length).toBeGreaterThan(0);
  for (const u of await executeRows<{ code: string; name: string }>(hub.database.db, sql`select code, name from units`)) names.set(u.code, u.name);
  now = new Date(Math.max(...rows.ALERTS.map((r) => r.at.getTime())) + 1);
});
afterAll(async () => {
  await hub?.close();
});

/** The day of an instant in China Standard Time (UTC+8, no daylight saving). */
function cstDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

function expected(as: string, kind: Kind, unitPath: string, from: Date | null, to: Date | null, groupBy: Group[]) {
  const depth = unitPath.split('.').length;
  const seen = rows[kind].filter((r) => VIEW[as]!(kind, r) && within(r.path, unitPath) && (!from || r.at >= from) && (!to || r.at < to));
  const order: Group[] = ['TYPE', 'CHILD_UNIT', 'DAY', 'STATUS'];
  const groups = order.filter((g) => groupBy.includes(g));
  const buckets = new Map<string, { count: number; keys: Record<string, unknown> }>();
  for (const r of seen) {
    const child = r.path.split('.')[depth] ?? null;
    const keys = {
      type: groups.includes('TYPE') ? r.type : null,
      childUnit: groups.includes('CHILD_UNIT') && child ? { code: child, name: names.get(child) } : null,
      day: groups.includes('DAY') ? cstDay(r.at) : null,
      status: groups.includes('STATUS') ? r.status : null,
    };
    const id = JSON.stringify(keys);
    const bucket = buckets.get(id) ?? { count: 0, keys };
    bucket.count++;
    buckets.set(id, bucket);
  }
  const sortKey = (b: { keys: any }) => [b.keys.type ?? '', b.keys.childUnit?.code ?? '', b.keys.day ?? '', b.keys.status ?? ''];
  const cmp = (a: string[], b: string[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
    return 0;
  };
  return {
    total: seen.length,
    buckets: groups.length ? [...buckets.values()].sort((a, b) => cmp(sortKey(a), sortKey(b))) : [],
    groups,
  };
}

async function stats(as: string, vars: Record<string, unknown>) {
  return hub.gql<any>(STATS, vars, { as });
}

describe('stats equals independent counts', () => {
  it('xuetian.officer: alerts of 学田 by community and day, over the last 7 days', async () => {
    const from = new Date(now.getTime() - 7 * 86_400_000);
    const { body } = await stats('xuetian.officer', { unitCode: '320613006', kind: 'ALERTS', from: from.toISOString(), to: now.toISOString(), groupBy: ['DAY', 'CHILD_UNIT'] });
    expect(body.errors).toBeUndefined();
    const want = expected('xuetian.officer', 'ALERTS', P.xuetian, from, now, ['CHILD_UNIT', 'DAY']);
    expect(want.total).toBeGreaterThan(0);
    expect(body.data.stats).toEqual({ kind: 'ALERTS', groupBy: ['CHILD_UNIT', 'DAY'], timeZone: 'Asia/Shanghai', total: want.total, unit: { code: '320613006' }, buckets: want.buckets });
  });

  it('no grouping: only the total', async () => {
    const { body } = await stats('chongchuan.officer', { unitCode: '320613', kind: 'DEVICES' });
    expect(body.data.stats).toEqual({ kind: 'DEVICES', groupBy: [], timeZone: 'Asia/Shanghai', total: rows.DEVICES.filter((r) => within(r.path, P.chongchuan)).length, unit: { code: '320613' }, buckets: [] });
  });

  it('an empty range counts zero with no buckets', async () => {
    const at = new Date(now.getTime() + 86_400_000).toISOString();
    const { body } = await stats('city.admin', { unitCode: '320600', kind: 'ALERTS', from: at, to: at, groupBy: ['TYPE'] });
    expect(body.data.stats.total).toBe(0);
    expect(body.data.stats.buckets).toEqual([]);
  });

  it('random principals, units, kinds, ranges and groupings', async () => {
    const units = [P.city, P.chongchuan, P.xuetian, P.wenfeng, P.shuguang, P.hujing, '320600.320613.320613006.320613006002', '320600.320613.320613001'];
    const principal = fc.constantFrom(...Object.keys(VIEW));
    await fc.assert(
      fc.asyncProperty(
        principal,
        fc.constantFrom(...units),
        fc.constantFrom<Kind>('ALERTS', 'REQUESTS', 'DEVICES', 'CASES'),
        fc.subarray<Group>(['TYPE', 'CHILD_UNIT', 'DAY', 'STATUS']),
        fc.option(fc.integer({ min: 0, max: 40 * 24 })),
        fc.option(fc.integer({ min: 0, max: 40 * 24 })),
        async (as, unitPath, kind, groupBy, fromHours, spanHours) => {
          const from = fromHours === null ? null : new Date(now.getTime() - fromHours * 3_600_000);
          const to = spanHours === null ? null : new Date((from ?? new Date(now.getTime() - 40 * 86_400_000)).getTime() + spanHours * 3_600_000);
          const home = HOME[as]!;
          const overlaps = within(unitPath, home) || within(home, unitPath);
          const unitCode = unitPath.split('.').at(-1)!;
          const { body } = await stats(as, { unitCode, kind, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, groupBy });
          if (as === 'fire.officer' && (kind === 'REQUESTS' || kind === 'CASES')) {
            expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
            return;
          }
          if (from && to && from > to) {
            expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
            return;
          }
          if (!overlaps) {
            expect(body.data).toBeNull();
            expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
            return;
          }
          const want = expected(as, kind, unitPath, from, to, groupBy);
          expect(body.errors).toBeUndefined();
          expect(body.data.stats.total).toBe(want.total);
          expect(body.data.stats.groupBy).toEqual(want.groups);
          expect(body.data.stats.buckets).toEqual(want.buckets);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('stats refuses the wrong callers', () => {
  it('NOT_FOUND for a unit outside the scope and for no such unit; FORBIDDEN for who reads no such records; UNAUTHENTICATED without a token', async () => {
    const code = async (as: string | undefined, vars: Record<string, unknown>) => {
      const { body } = as ? await stats(as, vars) : await hub.gql<any>(STATS, vars);
      expect(body.data).toBeNull();
      return body.errors?.[0]?.extensions?.code;
    };
    expect(await code('xuetian.officer', { unitCode: '320613008', kind: 'ALERTS' })).toBe('NOT_FOUND');
    expect(await code('hujing.grid', { unitCode: '320613006001002', kind: 'REQUESTS' })).toBe('NOT_FOUND');
    expect(await code('xuetian.officer', { unitCode: '999999', kind: 'ALERTS' })).toBe('NOT_FOUND');
    expect(await code('city.auditor', { unitCode: '320600', kind: 'ALERTS' })).toBe('FORBIDDEN');
    expect(await code('iot-platform', { unitCode: '320613', kind: 'DEVICES' })).toBe('FORBIDDEN');
    expect(await code('fire.officer', { unitCode: '320613', kind: 'REQUESTS' })).toBe('FORBIDDEN');
    expect(await code('fire.officer', { unitCode: '320613', kind: 'CASES' })).toBe('FORBIDDEN');
    expect(await code('wenfeng.officer', { unitCode: '320613006', kind: 'CASES' })).toBe('NOT_FOUND');
    expect(await code(undefined, { unitCode: '320613', kind: 'ALERTS' })).toBe('UNAUTHENTICATED');
  });

  it('a department sees the requests a grant gives it, of the granted types only, and nothing before', async () => {
    await hub.database.db
      .insert(principals)
      .values({ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' })
      .onConflictDoNothing();
    const vars = { unitCode: '320613', kind: 'REQUESTS', groupBy: ['TYPE'] };
    expect((await stats('fire.officer', vars)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const grant = await hub.gql<any>(
      GRANT,
      { input: { granteeDepartmentCode: 'fire-brigade', kind: 'RESIDENT_REQUEST', types: ['HAZARD', 'COMPLAINT'], withinUnitCode: '320613006', expiresAt: new Date(Date.now() + 86_400_000).toISOString(), reason: '消防隐患投诉研判' } },
      { as: 'xuetian.admin' },
    );
    expect(grant.body.errors).toBeUndefined();
    const seen = (r: Row) => within(r.path, P.xuetian) && (r.type === 'HAZARD' || r.type === 'COMPLAINT');
    const byType = new Map<string, number>();
    for (const r of rows.REQUESTS.filter(seen)) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    const { body } = await stats('fire.officer', vars);
    expect(body.errors).toBeUndefined();
    expect(body.data.stats.total).toBe(rows.REQUESTS.filter(seen).length);
    expect(body.data.stats.buckets).toEqual(
      [...byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, count]) => ({ count, keys: { type, day: null, status: null, childUnit: null } })),
    );
    // Outside the granted unit: nothing of the department's may lie in 文峰's requests.
    expect((await stats('fire.officer', { ...vars, unitCode: '320613008' })).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
