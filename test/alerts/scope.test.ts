import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { FIRE_ALERT_TYPES } from '../../src/seed/demo.js';

/**
 * For every demo principal, the alerts it reads through the API equal the city's view
 * restricted to its scope: nothing outside, nothing missing, and totalCount agrees.
 */
interface Node {
  id: string;
  type: string;
  severity: string;
  status: string;
  occurredAt: string;
  unit: { path: string };
}

interface AlertPage {
  totalCount: number;
  edges: { node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const NODE = 'id type severity status occurredAt unit { path }';
let hub: TestHub;
let city: Node[];

async function readAll(as: string, filter: Record<string, unknown> = {}): Promise<{ nodes: Node[]; totalCount: number }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (;;) {
    const response: GqlResponse<{ alerts: AlertPage }> = await hub.gql<{ alerts: AlertPage }>(
      `query($filter: AlertFilter, $after: String) { alerts(filter: $filter, first: 100, after: $after) { totalCount edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`,
      { filter, after },
      { as },
    );
    expect(response.body.errors).toBeUndefined();
    const page: AlertPage = response.body.data!.alerts;
    totalCount = page.totalCount;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);
const ids = (nodes: Node[]) => nodes.map((n) => n.id);

beforeAll(async () => {
  hub = await createTestHub();
  city = (await readAll('city.admin')).nodes;
});
afterAll(() => hub?.close());

const scopes: { name: string; allows: (n: Node) => boolean }[] = [
  { name: 'city.admin', allows: (n) => within(n.unit.path, '320600') },
  { name: 'chongchuan.officer', allows: (n) => within(n.unit.path, '320600.320613') },
  { name: 'xuetian.officer', allows: (n) => within(n.unit.path, '320600.320613.320613006') },
  { name: 'wenfeng.officer', allows: (n) => within(n.unit.path, '320600.320613.320613008') },
  { name: 'shuguang.officer', allows: (n) => within(n.unit.path, '320600.320613.320613006.320613006001') },
  { name: 'hujing.grid', allows: (n) => within(n.unit.path, '320600.320613.320613006.320613006001.320613006001001') },
  { name: 'fire.officer', allows: (n) => within(n.unit.path, '320600.320613') && (FIRE_ALERT_TYPES as string[]).includes(n.type) },
];

describe('alerts: each principal reads exactly its scope', () => {
  it('the city sees a few thousand alerts over the last 30 days, newest first, every type', () => {
    expect(city.length).toBeGreaterThanOrEqual(2000);
    const times = city.map((n) => Date.parse(n.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Date.now() - Math.min(...times)).toBeLessThanOrEqual(31 * 86_400_000);
    expect(new Set(city.map((n) => n.type)).size).toBe(11);
    expect(new Set(city.map((n) => n.unit.path.split('.')[2])).size).toBe(16);
  });

  it.each(scopes)('$name reads the city view restricted to its scope', async ({ name, allows }) => {
    const { nodes, totalCount } = await readAll(name);
    const expected = city.filter(allows);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(nodes)).toEqual(ids(expected));
    expect(totalCount).toBe(expected.length);
  });

  it.each(['city.auditor', 'iot-platform'])('%s may not read alerts: FORBIDDEN', async (name) => {
    const { body } = await hub.gql(`{ alerts { totalCount edges { node { id } } } }`, {}, { as: name });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'read', subject: 'Alert' });
  });

  it('a filter on a unit outside the scope never widens it', async () => {
    const outside = await readAll('xuetian.officer', { unitCode: '320613008' });
    expect(outside).toEqual({ nodes: [], totalCount: 0 });
    const above = await readAll('wenfeng.officer', { unitCode: '320600' });
    expect(ids(above.nodes)).toEqual(ids(city.filter((n) => within(n.unit.path, '320600.320613.320613008'))));
    const fireElsewhere = await readAll('fire.officer', { types: ['STREET_VENDOR', 'PARKING_VIOLATION'] });
    expect(fireElsewhere.totalCount).toBe(0);
  });

  it('filters narrow: unit, types, severities, statuses and time window together', async () => {
    const from = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const filter = { unitCode: '320613006', types: ['EBIKE_IN_ELEVATOR', 'SMOKE'], severities: ['MEDIUM', 'HIGH'], statuses: ['RESOLVED', 'ACKNOWLEDGED'], from, to };
    const { nodes, totalCount } = await readAll('chongchuan.officer', filter);
    const expected = city.filter(
      (n) =>
        within(n.unit.path, '320600.320613.320613006') &&
        filter.types.includes(n.type) &&
        filter.severities.includes(n.severity) &&
        filter.statuses.includes(n.status) &&
        n.occurredAt >= from &&
        n.occurredAt < to,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(nodes)).toEqual(ids(expected));
    expect(totalCount).toBe(expected.length);
  });

  it('an unknown unit in a filter is NOT_FOUND', async () => {
    const { body } = await hub.gql(`{ alerts(filter: { unitCode: "123" }) { totalCount } }`, {}, { as: 'city.admin' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('a single alert outside the scope is NOT_FOUND, the same answer as one that does not exist', async () => {
    const inWenfeng = city.find((n) => within(n.unit.path, '320600.320613.320613008'))!;
    const denied = await hub.gql(`query($id: ID!) { alert(id: $id) { id } }`, { id: inWenfeng.id }, { as: 'xuetian.officer' });
    const missing = await hub.gql(`query($id: ID!) { alert(id: $id) { id } }`, { id: '00000000-0000-4000-8000-000000000000' }, { as: 'xuetian.officer' });
    expect(denied.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(missing.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const allowed = await hub.gql(`query($id: ID!) { alert(id: $id) { id } }`, { id: inWenfeng.id }, { as: 'wenfeng.officer' });
    expect(allowed.body).toEqual({ data: { alert: { id: inWenfeng.id } } });
  });
});

describe('alerts: pages', () => {
  it('keyset pages are stable while newer alerts arrive', async () => {
    const query = `query($after: String) { alerts(first: 25, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    const first = await hub.gql<any>(query, { after: null }, { as: 'xuetian.officer' });
    const records = Array.from({ length: 5 }, (_, i) => ({
      externalId: `page-stability-${i}`,
      type: 'SMOKE',
      severity: 'HIGH',
      occurredAt: new Date().toISOString(),
      unitCode: '320613006001',
    }));
    const ingest = await hub.gql<any>(
      `mutation($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`,
      { input: { source: 'iot-platform', records } },
      { as: 'iot-platform' },
    );
    expect(ingest.body.data.ingestAlerts.accepted).toBe(5);
    const second = await hub.gql<any>(query, { after: first.body.data.alerts.pageInfo.endCursor }, { as: 'xuetian.officer' });
    const expected = city.filter((n) => within(n.unit.path, '320600.320613.320613006')).slice(0, 50);
    const got = [...first.body.data.alerts.edges, ...second.body.data.alerts.edges].map((e: { node: { id: string } }) => e.node.id);
    expect(got).toEqual(ids(expected));
  });

  it('first is capped at 100 and must be positive; a foreign cursor is refused', async () => {
    for (const first of [101, 0, -1]) {
      const { body } = await hub.gql(`query($first: Int) { alerts(first: $first) { totalCount } }`, { first }, { as: 'city.admin' });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    const { body } = await hub.gql(`{ alerts(after: "not-a-cursor") { totalCount } }`, {}, { as: 'city.admin' });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const byDefault = await hub.gql<any>(`{ alerts { edges { node { id } } } }`, {}, { as: 'city.admin' });
    expect(byDefault.body.data.alerts.edges).toHaveLength(20);
  });
});
