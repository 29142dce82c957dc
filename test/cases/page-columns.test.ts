import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { principals } = tables;

/**
 * The case page reads fewer columns, and fewer history fields, when its selection allows (the
 * lean reader and the history JSON of case.read.ts): whatever the selection, every field
 * answers as when every column and every entry field is read, for every kind of principal, the
 * personal fields masked as before; and a history read with some of its fields never stands in
 * for the whole history elsewhere in the request.
 */
let hub: TestHub;
const clock = new TestClock();

/** A selection on the case: its own fields, and the fields of its unit, assignee and history. */
interface Selection {
  fields: string[];
  unit?: string[];
  assignee?: string[];
  history?: string[];
}

const HISTORY_ALL = ['seq', 'actor', 'actorUnitCode', 'at', 'action', 'fromState', 'toState', 'note', 'assigneeBefore', 'assigneeAfter'];
const Q2: Selection = {
  fields: ['id', 'number', 'title', 'category', 'severity', 'state', 'openedAt', 'deadlineAt'],
  assignee: ['code', 'name'],
  history: ['seq', 'action', 'actor', 'at', 'fromState', 'toState', 'note'],
};
const LIST = ['id', 'number', 'title', 'category', 'severity', 'state', 'version', 'openedAt', 'deadlineAt', 'closedAt', 'updatedAt', 'overdue', 'allowedActions'];
/** Everything: the reference every selection is cut from. */
const ALL: Selection = {
  fields: [...LIST, 'description', 'openedBy', 'reopenCount', 'escalationCount', 'satisfaction', 'reporterName', 'reporterPhone', 'maskedFields', 'origin { kind id source externalId }', 'location { lat lng }'],
  unit: ['code', 'name', 'tier'],
  assignee: ['code', 'name', 'tier'],
  history: HISTORY_ALL,
};
const SELECTIONS: Record<string, Selection> = {
  'Q2 (lean, some history fields)': Q2,
  'the list fields, every history field': { fields: LIST, unit: ['code', 'name'], assignee: ['code'], history: HISTORY_ALL },
  'the list fields, no history': { fields: LIST, unit: ['code'] },
  'one history field only': { fields: ['id'], history: ['note'] },
  'the history with __typename only': { fields: ['id', '__typename'], history: ['__typename'] },
  'personal fields (every column)': { fields: ['id', 'state', 'reporterName', 'reporterPhone', 'maskedFields'], history: ['seq', 'toState'] },
  'description (every column)': { fields: ['id', 'description', 'allowedActions'], assignee: ['code'], history: ['seq', 'assigneeAfter'] },
};

const fieldName = (field: string): string => field.split(' ')[0]!;
const render = (s: Selection): string =>
  [...s.fields, s.unit && `unit { ${s.unit.join(' ')} }`, s.assignee && `assignee { ${s.assignee.join(' ')} }`, s.history && `history { ${s.history.join(' ')} }`].filter(Boolean).join(' ');

type Node = Record<string, unknown>;
const pick = (from: Node, names: readonly string[]): Node => Object.fromEntries(names.map(fieldName).filter((n) => n !== '__typename').map((n) => [n, from[n]]));
const typename = (names: readonly string[], name: string): Node => (names.includes('__typename') ? { __typename: name } : {});

/** The reference node cut to the selection, as GraphQL would answer it. */
function project(full: Node, s: Selection): Node {
  return {
    ...typename(s.fields, 'Case'),
    ...pick(full, s.fields),
    ...(s.unit ? { unit: pick(full['unit'] as Node, s.unit) } : {}),
    ...(s.assignee ? { assignee: pick(full['assignee'] as Node, s.assignee) } : {}),
    ...(s.history ? { history: (full['history'] as Node[]).map((h) => ({ ...typename(s.history!, 'CaseHistoryEntry'), ...pick(h, s.history!) })) } : {}),
  };
}

async function page(as: string, node: string): Promise<{ nodes?: Node[]; errors?: unknown }> {
  const { body } = await hub.gql<{ cases: { edges: { node: Node }[] } }>(`{ cases(first: 100) { edges { node { ${node} } } } }`, {}, { as });
  return body.errors ? { errors: body.errors.map((e) => e.extensions?.['code']) } : { nodes: body.data!.cases.edges.map((e) => e.node) };
}

beforeAll(async () => {
  hub = await createTestHub({ clock });
  await hub.database.db.insert(principals).values([{ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' }]);
  // wenfeng.officer reads 学田's cases of three categories and their reporters' phones through a grant.
  const { body } = await hub.gql(
    /* GraphQL */ `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`,
    {
      input: {
        granteeUnitCode: '320613008',
        kind: 'CASE',
        types: ['SAFETY_HAZARD', 'CITY_APPEARANCE', 'PUBLIC_SERVICE'],
        fields: ['reporterPhone'],
        withinUnitCode: '320613006',
        expiresAt: new Date(clock.now().getTime() + 24 * 3_600_000).toISOString(),
        reason: '联合整治 2026-12',
      },
    },
    { as: 'xuetian.admin' },
  );
  expect(body.errors).toBeUndefined();
});
afterAll(() => hub?.close());

const PRINCIPALS = ['shuguang.officer', 'xuetian.officer', 'hujing.grid', 'wenfeng.officer', 'city.admin', 'chongchuan.officer', 'fire.officer'];

describe('the case page read lean', () => {
  it.each(PRINCIPALS)('answers %s as the full read does, for every selection', async (as) => {
    const full = await page(as, render(ALL));
    if (full.errors) {
      // No case read at all (fire.officer's department has no Case domain): refused, read lean or not.
      expect(full.errors).toEqual(['FORBIDDEN']);
      for (const s of Object.values(SELECTIONS)) expect(await page(as, render(s))).toEqual(full);
      return;
    }
    expect(full.nodes!.length).toBeGreaterThan(0);
    for (const [name, s] of Object.entries(SELECTIONS)) {
      const lean = await page(as, render(s));
      expect(lean.errors, name).toBeUndefined();
      expect(lean.nodes, name).toEqual(full.nodes!.map((n) => project(n, s)));
    }
  });

  it('the reference itself shows masked and unmasked reporters, and cases of several states and histories', async () => {
    // The comparison above means something only if the pages hold what a lean read could get wrong.
    const officer = (await page('shuguang.officer', render(ALL))).nodes!;
    const street = (await page('xuetian.officer', render(ALL))).nodes!;
    const granted = (await page('wenfeng.officer', render(ALL))).nodes!;
    expect(officer.some((n) => typeof n['reporterPhone'] === 'string' && !(n['reporterPhone'] as string).includes('*'))).toBe(true);
    expect(street.some((n) => typeof n['reporterPhone'] === 'string' && (n['reporterPhone'] as string).includes('*'))).toBe(true);
    expect(granted.some((n) => (n['maskedFields'] as string[]).includes('reporterName') && !(n['maskedFields'] as string[]).includes('reporterPhone'))).toBe(true);
    expect(new Set(street.map((n) => n['state'])).size).toBeGreaterThan(3);
    expect(street.some((n) => (n['history'] as Node[]).length > 3)).toBe(true);
  });

  it('through fragments, the same answers', async () => {
    for (const as of ['shuguang.officer', 'wenfeng.officer']) {
      const full = (await page(as, render(ALL))).nodes!;
      for (const s of [Q2, SELECTIONS['personal fields (every column)']!]) {
        const { history, ...rest } = s;
        const source = `{ cases(first: 100) { edges { node { ...C } } } }
          fragment C on Case { ${render(rest)} ${history ? 'history { ...H }' : ''} }
          fragment H on CaseHistoryEntry { ${history?.join(' ') ?? 'seq'} }`;
        const { body } = await hub.gql<{ cases: { edges: { node: Node }[] } }>(source, {}, { as });
        expect(body.errors).toBeUndefined();
        expect(body.data!.cases.edges.map((e) => e.node)).toEqual(full.map((n) => project(n, s)));
      }
    }
  });

  it('a history read with some fields never stands in for the whole: two pages and a case in one request answer as alone', async () => {
    const as = 'xuetian.officer';
    const full = (await page(as, render(ALL))).nodes!;
    const fullSelection: Selection = { fields: ['id', 'reporterName'], history: HISTORY_ALL };
    const id = full.find((n) => (n['history'] as Node[]).length > 2)!['id'] as string;
    // Both orders: the lean page first, and the full page first.
    for (const [a, b] of [[Q2, fullSelection], [fullSelection, Q2]] as const) {
      const { body } = await hub.gql<{ a: { edges: { node: Node }[] }; b: { edges: { node: Node }[] }; one: Node }>(
        `query($id: ID!) { a: cases(first: 100) { edges { node { ${render(a)} } } } b: cases(first: 100) { edges { node { ${render(b)} } } }
          one: case(id: $id) { id history { ${HISTORY_ALL.join(' ')} } } }`,
        { id },
        { as },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.a.edges.map((e) => e.node)).toEqual(full.map((n) => project(n, a)));
      expect(body.data!.b.edges.map((e) => e.node)).toEqual(full.map((n) => project(n, b)));
      expect(body.data!.one).toEqual(project(full.find((n) => n['id'] === id)!, { fields: ['id'], history: HISTORY_ALL }));
    }
  });
});
