import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { FIRE_ALERT_TYPES } from '../../src/seed/demo.js';

/**
 * alertCounts: the same scope as the alerts list, in SQL. Every expectation is computed from
 * the city's view of the alerts list (read page by page as city.admin), so the counts must
 * equal exactly what each principal could list.
 */
interface Node {
  id: string;
  type: string;
  severity: string;
  status: string;
  occurredAt: string;
  unit: { path: string };
}
interface Bucket {
  unit: { code: string; tier: string } | null;
  day: string | null;
  type: string | null;
  severity: string | null;
  status: string | null;
  count: number;
}

const COUNTS = /* GraphQL */ `
  query Counts($filter: AlertFilter, $groupBy: [AlertCountKey!]!) {
    alertCounts(filter: $filter, groupBy: $groupBy) { unit { code tier } day type severity status count }
  }
`;

let hub: TestHub;
let city: Node[];

const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);
/** The day in China Standard Time (UTC+8, no daylight saving). */
const dayOf = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
const tierOfCode = (code: string) => ({ 6: code === '320600' ? 'CITY' : 'DISTRICT', 9: 'STREET', 12: 'COMMUNITY', 15: 'GRID' })[code.length] as string;

/** The buckets alertCounts must answer, from the listed alerts: sorted as the API sorts them. */
function expected(nodes: Node[], keys: { childDepth?: number; day?: boolean; type?: boolean; status?: boolean }): Bucket[] {
  const buckets = new Map<string, Bucket>();
  for (const node of nodes) {
    const codes = node.unit.path.split('.');
    const child = keys.childDepth === undefined ? null : (codes[keys.childDepth] ?? codes[codes.length - 1] ?? null);
    const bucket: Bucket = {
      unit: child ? { code: child, tier: tierOfCode(child) } : null,
      day: keys.day ? dayOf(node.occurredAt) : null,
      type: keys.type ? node.type : null,
      severity: null,
      status: keys.status ? node.status : null,
      count: 0,
    };
    const key = JSON.stringify([bucket.unit?.code, bucket.day, bucket.type, bucket.status]);
    (buckets.get(key) ?? buckets.set(key, bucket).get(key)!).count++;
  }
  const order = (b: Bucket) => [b.unit?.code ?? '', b.day ?? '', b.type ?? '', b.status ?? ''];
  return [...buckets.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
    return 0;
  });
}

async function counts(as: string | undefined, groupBy: string[], filter?: Record<string, unknown>) {
  return hub.gql<{ alertCounts: Bucket[] }>(COUNTS, { groupBy, ...(filter ? { filter } : {}) }, as ? { as } : {});
}

beforeAll(async () => {
  hub = await createTestHub();
  city = [];
  let after: string | null = null;
  for (;;) {
    const { body }: { body: any } = await hub.gql<any>(
      `query($after: String) { alerts(first: 100, after: $after) { edges { node { id type severity status occurredAt unit { path } } } pageInfo { hasNextPage endCursor } } }`,
      { after },
      { as: 'city.admin' },
    );
    city.push(...body.data.alerts.edges.map((e: { node: Node }) => e.node));
    if (!body.data.alerts.pageInfo.hasNextPage) break;
    after = body.data.alerts.pageInfo.endCursor;
  }
});
afterAll(() => hub?.close());

describe('alertCounts', () => {
  it('the district officer counts the district by street and day: every alert, in the right bucket', async () => {
    const { status, body } = await counts('chongchuan.officer', ['CHILD_UNIT', 'DAY'], { unitCode: '320613' });
    expect(status).toBe(200);
    const want = expected(city.filter((n) => within(n.unit.path, '320600.320613')), { childDepth: 2, day: true });
    expect(new Set(want.map((b) => b.unit?.code)).size).toBe(16);
    expect(body).toEqual({ data: { alertCounts: want } });
    expect(body.data!.alertCounts.reduce((sum, b) => sum + b.count, 0)).toBe(city.length);
  });

  it('a filter never widens: a street officer asking for the district counts only its own street', async () => {
    const { body } = await counts('xuetian.officer', ['CHILD_UNIT', 'DAY'], { unitCode: '320613' });
    const want = expected(city.filter((n) => within(n.unit.path, '320600.320613.320613006')), { childDepth: 2, day: true });
    expect(want.every((b) => b.unit?.code === '320613006')).toBe(true);
    expect(body).toEqual({ data: { alertCounts: want } });
    expect((await counts('wenfeng.officer', ['DAY'], { unitCode: '320613006' })).body).toEqual({ data: { alertCounts: [] } });
  });

  it('without a unit in the filter, CHILD_UNIT means the children of your own unit', async () => {
    const { body } = await counts('xuetian.officer', ['CHILD_UNIT']);
    const want = expected(city.filter((n) => within(n.unit.path, '320600.320613.320613006')), { childDepth: 3 });
    expect(want.map((b) => b.unit?.tier)).toEqual(['COMMUNITY', 'COMMUNITY', 'COMMUNITY', 'COMMUNITY', 'COMMUNITY']);
    expect(body).toEqual({ data: { alertCounts: want } });
  });

  it('a data officer counts only its department types, within its jurisdiction', async () => {
    const { body } = await counts('fire.officer', ['TYPE', 'STATUS']);
    const want = expected(city.filter((n) => (FIRE_ALERT_TYPES as string[]).includes(n.type)), { type: true, status: true });
    expect(body).toEqual({ data: { alertCounts: want } });
    expect(new Set(body.data!.alertCounts.map((b) => b.type))).toEqual(new Set(FIRE_ALERT_TYPES));
  });

  it('the filter narrows by type and time; no key gives one total, equal to totalCount', async () => {
    const times = city.map((n) => Date.parse(n.occurredAt)).sort((a, b) => a - b);
    const from = new Date(times[Math.floor(times.length / 3)] as number).toISOString();
    const to = new Date(times[Math.floor((2 * times.length) / 3)] as number).toISOString();
    const filter = { unitCode: '320613006001', types: ['SMOKE', 'EBIKE_IN_ELEVATOR'], from, to };
    const inFilter = (n: Node) =>
      within(n.unit.path, '320600.320613.320613006.320613006001') && ['SMOKE', 'EBIKE_IN_ELEVATOR'].includes(n.type) && n.occurredAt >= from && n.occurredAt < to;
    const { body } = await counts('shuguang.officer', ['CHILD_UNIT', 'DAY'], filter);
    expect(body).toEqual({ data: { alertCounts: expected(city.filter(inFilter), { childDepth: 4, day: true }) } });
    const total = await counts('shuguang.officer', [], filter);
    const list = await hub.gql<any>(`query($filter: AlertFilter) { alerts(filter: $filter, first: 1) { totalCount } }`, { filter }, { as: 'shuguang.officer' });
    expect(total.body).toEqual({ data: { alertCounts: [{ unit: null, day: null, type: null, severity: null, status: null, count: list.body.data.alerts.totalCount }] } });
    expect(list.body.data.alerts.totalCount).toBe(city.filter(inFilter).length);
  });

  it('a grid has no child units: BAD_USER_INPUT on groupBy; an unknown unit is NOT_FOUND', async () => {
    const grid = await counts('hujing.grid', ['CHILD_UNIT']);
    expect(grid.body.data).toBeNull();
    expect(grid.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'groupBy' });
    const unknown = await counts('city.admin', ['DAY'], { unitCode: '320613999' });
    expect(unknown.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('principals that may not read alerts are refused: FORBIDDEN (read Alert), and UNAUTHENTICATED without credentials', async () => {
    for (const as of ['city.auditor', 'iot-platform']) {
      const { body } = await counts(as, ['DAY']);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'read', subject: 'Alert' });
    }
    const anonymous = await counts(undefined, ['DAY']);
    expect(anonymous.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});
