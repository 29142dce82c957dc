import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/**
 * `node(id:)` answers exactly what the record's own query answers the same caller: the same
 * fields, masked the same way, and null where the own query says NOT_FOUND.
 */
interface Kind {
  type: string;
  list: string;
  single: string;
  fields: string;
}

const KINDS: Kind[] = [
  { type: 'Alert', list: 'alerts', single: 'alert', fields: 'id type severity status unit { code }' },
  { type: 'Case', list: 'cases', single: 'case', fields: 'id number state reporterName reporterPhone unit { code }' },
  { type: 'Device', list: 'devices', single: 'device', fields: 'id name status unit { code }' },
  { type: 'ResidentRequest', list: 'residentRequests', single: 'residentRequest', fields: 'id status contactName contactPhone address' },
];
const CALLERS = ['xuetian.officer', 'wenfeng.officer', 'chongchuan.officer', 'fire.officer', 'hujing.grid', 'city.auditor'];

let hub: TestHub;
const idsOf = new Map<string, string[]>();

beforeAll(async () => {
  hub = await createTestHub();
  for (const kind of KINDS) {
    const { body } = await hub.gql<any>(`{ ${kind.list}(first: 100) { edges { node { id } } } }`, {}, { as: 'city.admin' });
    expect(body.errors).toBeUndefined();
    const ids: string[] = body.data[kind.list].edges.map((edge: { node: { id: string } }) => edge.node.id);
    // A spread: the newest, the oldest and some between, from every unit the page reaches.
    idsOf.set(kind.type, ids.filter((_, i) => i % 9 === 0));
  }
});
afterAll(() => hub?.close());

describe('node(id:)', () => {
  for (const kind of KINDS) {
    it(`answers a ${kind.type} as ${kind.single}(id:) does, for every caller`, async () => {
      const ids = idsOf.get(kind.type)!;
      expect(ids.length).toBeGreaterThan(1);
      let seen = 0;
      let hidden = 0;
      for (const as of CALLERS) {
        for (const id of ids) {
          const own = await hub.gql<any>(`query($id: ID!) { ${kind.single}(id: $id) { ${kind.fields} } }`, { id }, { as });
          const viaNode = await hub.gql<any>(`query($id: ID!) { node(id: $id) { __typename ... on ${kind.type} { ${kind.fields} } } }`, { id }, { as });
          expect(viaNode.body.errors).toBeUndefined();
          const code = own.body.errors?.[0]?.extensions?.['code'];
          if (code === undefined) {
            seen += 1;
            expect(viaNode.body.data).toEqual({ node: { __typename: kind.type, ...own.body.data[kind.single] } });
          } else {
            hidden += 1;
            expect(['NOT_FOUND', 'FORBIDDEN']).toContain(code);
            expect(viaNode.body.data).toEqual({ node: null });
          }
        }
      }
      // The callers' scopes differ: some records are seen and some are not.
      expect(seen).toBeGreaterThan(0);
      expect(hidden).toBeGreaterThan(0);
    });
  }

  it('answers a unit, a grant and an API key to those who may read them, null to others', async () => {
    const unit = await hub.gql<any>(`{ node(id: "320613006") { __typename id ... on Unit { code name } } }`, {}, { as: 'xuetian.officer' });
    expect(unit.body.data.node).toMatchObject({ __typename: 'Unit', id: '320613006', code: '320613006' });
    const keys = await hub.gql<any>(`{ apiKeys(first: 1) { edges { node { id prefix } } } }`, {}, { as: 'city.admin' });
    const key = keys.body.data.apiKeys.edges[0]?.node;
    if (key) {
      const asAdmin = await hub.gql<any>(`query($id: ID!) { node(id: $id) { ... on ApiKey { id prefix } } }`, { id: key.id }, { as: 'city.admin' });
      expect(asAdmin.body.data.node).toEqual(key);
      const asOfficer = await hub.gql<any>(`query($id: ID!) { node(id: $id) { id } }`, { id: key.id }, { as: 'xuetian.officer' });
      expect(asOfficer.body).toEqual({ data: { node: null } });
    }
  });

  it('answers null for a malformed, unknown or foreign id: never an error, never another record', async () => {
    const bad = ['', 'x', '🙂', "' or 1=1 --", '00000000-0000-4000-8000-000000000000', 'QWxlcnQ6MQ==', '9'.repeat(80), '320613006-', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ'];
    for (const id of bad) {
      const { status, body } = await hub.gql<any>(`query($id: ID!) { node(id: $id) { id } }`, { id }, { as: 'city.admin' });
      expect({ id, status, body }).toEqual({ id, status: 200, body: { data: { node: null } } });
    }
  });

  it('nodes(ids:) answers each id in order, null where node(id:) does', async () => {
    const alert = idsOf.get('Alert')![0]!;
    const kase = idsOf.get('Case')![0]!;
    const { body } = await hub.gql<any>(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids: [kase, 'nonsense', alert, '320600'] },
      { as: 'city.admin' },
    );
    expect(body).toEqual({ data: { nodes: [{ __typename: 'Case', id: kase }, null, { __typename: 'Alert', id: alert }, { __typename: 'Unit', id: '320600' }] } });
    const tooMany = await hub.gql<any>(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, () => alert) }, { as: 'city.admin' });
    expect(tooMany.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('asks for credentials as every query does', async () => {
    const { body } = await hub.gql<any>(`{ node(id: "320600") { id } }`);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe('paging both ways', () => {
  const LISTS = ['alerts', 'cases', 'devices', 'residentRequests', 'patrolReports', 'reports', 'auditLog', 'grants', 'apiKeys', 'channels'];

  for (const list of LISTS) {
    it(`${list}: last/before walks back over exactly the pages first/after walked`, async () => {
      const as = list === 'auditLog' ? 'city.auditor' : 'city.admin';
      const node = list === 'auditLog' ? 'seq' : 'id';
      const page = (args: string, vars: Record<string, unknown>) =>
        hub.gql<any>(`query($c: String) { ${list}(${args}) { edges { cursor node { ${node} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, vars, { as });
      if (list === 'auditLog') {
        // Denials are audited: a few reads outside a caller's scope give the log entries to page over.
        const outside = idsOf.get('Case')!;
        for (const id of outside) await hub.gql(`query($id: ID!) { case(id: $id) { id } }`, { id }, { as: 'hujing.grid' });
      }
      const all = await page('first: 100, after: $c', { c: null });
      expect(all.body.errors).toBeUndefined();
      const edges: { cursor: string; node: Record<string, unknown> }[] = all.body.data[list].edges;
      const every = edges.map((e) => e.node[node]);
      if (every.length < 3) return expect(list).toMatch(/grants|apiKeys|channels|reports|patrolReports/);
      // Forward in pages of 2 from the first record: the records after it, in order.
      const forward: unknown[] = [];
      let after: string | null = edges[0]!.cursor;
      for (let i = 0; i < 3 && after !== null; i++) {
        const connection: any = (await page('first: 2, after: $c', { c: after })).body.data[list];
        expect(connection.pageInfo.hasPreviousPage).toBe(false);
        forward.push(...connection.edges.map((e: any) => e.node[node]));
        after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      }
      expect(forward).toEqual(every.slice(1, 1 + forward.length));
      // Backward in pages of 2 from a record further down: every record before it, in order.
      const k = Math.min(every.length - 1, 5);
      const backward: unknown[] = [];
      let before: string | null = edges[k]!.cursor;
      while (before !== null) {
        const connection: any = (await page('last: 2, before: $c', { c: before })).body.data[list];
        expect(connection.pageInfo.hasNextPage).toBe(false);
        expect(connection.edges.length).toBeGreaterThan(0);
        expect(connection.edges[0].cursor).toBe(connection.pageInfo.startCursor);
        backward.unshift(...connection.edges.map((e: any) => e.node[node]));
        before = connection.pageInfo.hasPreviousPage ? connection.pageInfo.startCursor : null;
      }
      expect(backward).toEqual(every.slice(0, k));
    });
  }

  it('last without before reads the oldest records, newest first', async () => {
    const filter = '{ unitCode: "320613006" }';
    const every: string[] = [];
    for (let after: string | null = null, more = true; more; ) {
      const { body }: { body: any } = await hub.gql<any>(`query($c: String) { alerts(first: 100, after: $c, filter: ${filter}) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { c: after }, { as: 'city.admin' });
      every.push(...body.data.alerts.edges.map((e: any) => e.node.id));
      ({ hasNextPage: more, endCursor: after } = body.data.alerts.pageInfo);
    }
    expect(every.length).toBeGreaterThan(3);
    const oldest = await hub.gql<any>(`{ alerts(last: 3, filter: ${filter}) { edges { node { id } } pageInfo { hasPreviousPage hasNextPage } } }`, {}, { as: 'city.admin' });
    expect(oldest.body.data.alerts).toEqual({ edges: every.slice(-3).map((id) => ({ node: { id } })), pageInfo: { hasPreviousPage: true, hasNextPage: false } });
  });

  it('refuses mixing directions and cursors it did not give out, naming the argument', async () => {
    const codes = async (args: string) => (await hub.gql<any>(`{ alerts(${args}) { totalCount } }`, {}, { as: 'city.admin' })).body.errors?.[0]?.extensions;
    expect(await codes('first: 2, last: 2')).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await codes('after: "x", before: "y"')).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await codes('before: "nope"')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'before' });
    expect(await codes('last: 0')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
    expect(await codes('last: 101')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
  });
});
