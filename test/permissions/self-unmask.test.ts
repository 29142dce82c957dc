import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { sweepOverdueCases } from '../../src/modules/cases/index.js';
import { U, data, failure, move, moveOk, open } from '../cases/support.js';

/**
 * Unmasking no one grants themselves: personal data in full only at the community or grid
 * where the record is, or through a grant someone else made. The attacks that once worked —
 * an officer dispatching a case to its own unit, an SLA escalation moving a case up, an admin
 * granting to its own unit — must leave the reporter masked.
 */
const DAY = 86_400_000;
const clock = new TestClock();
let hub: TestHub;

beforeAll(async () => {
  hub = await createTestHub({ clock });
});
afterAll(async () => {
  await hub?.close();
});

const NAME = '欧阳娜娜';
const PHONE = '13812349363';
const MASKED = { reporterName: '欧***', reporterPhone: '138****9363', maskedFields: ['reporterName', 'reporterPhone'] };
const FULL = { reporterName: NAME, reporterPhone: PHONE, maskedFields: [] };

interface Seen {
  reporterName: string | null;
  reporterPhone: string | null;
  maskedFields: string[];
}

async function seen(as: string, id: string): Promise<Seen> {
  return data(await hub.gql<{ case: Seen }>('query($id: ID!) { case(id: $id) { reporterName reporterPhone maskedFields } }', { id }, { as })).case;
}

function reported(as: string, unitCode: string = U.hujing) {
  return open(hub, as, { unitCode, title: '占道经营', category: 'CITY_APPEARANCE', severity: 'MEDIUM', reporterName: NAME, reporterPhone: PHONE });
}

describe('the reproductions', () => {
  it('chongchuan.officer: REGISTER, then DISPATCH to its own district leaves the reporter masked', async () => {
    const c = await reported('chongchuan.officer');
    expect(await seen('chongchuan.officer', c.id)).toEqual(MASKED);
    await moveOk(hub, 'chongchuan.officer', c.id, 'REGISTER');
    const dispatched = await moveOk(hub, 'chongchuan.officer', c.id, 'DISPATCH', { assignee: U.chongchuan });
    expect(dispatched.assignee.code).toBe(U.chongchuan);
    expect({ reporterName: dispatched.reporterName, reporterPhone: dispatched.reporterPhone, maskedFields: dispatched.maskedFields }).toEqual(MASKED);
    expect(await seen('chongchuan.officer', c.id)).toEqual(MASKED);
    // The community where it happened still serves the resident in full.
    expect(await seen('shuguang.officer', c.id)).toEqual(FULL);
  });

  it('city.admin: DISPATCH to the city leaves the reporter masked', async () => {
    const c = await reported('city.admin');
    await moveOk(hub, 'city.admin', c.id, 'REGISTER');
    await moveOk(hub, 'city.admin', c.id, 'DISPATCH', { assignee: '320600' });
    expect(await seen('city.admin', c.id)).toEqual(MASKED);
  });

  it('SLA escalation moves the case up, not its personal data', async () => {
    const c = await reported('shuguang.officer');
    await moveOk(hub, 'shuguang.officer', c.id, 'REGISTER');
    await moveOk(hub, 'shuguang.officer', c.id, 'DISPATCH', { assignee: U.shuguang });
    const climbed: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(30 * DAY);
      while ((await sweepOverdueCases(hub.handle.hub)) > 0);
      climbed.push(data(await hub.gql<{ case: { assignee: { code: string } } }>('query($id: ID!) { case(id: $id) { assignee { code } } }', { id: c.id }, { as: 'shuguang.officer' })).case.assignee.code);
    }
    expect(climbed).toContain(U.xuetian);
    expect(climbed).toContain(U.chongchuan);
    expect(await seen('xuetian.officer', c.id)).toEqual(MASKED);
    expect(await seen('chongchuan.officer', c.id)).toEqual(MASKED);
    expect(await seen('shuguang.officer', c.id)).toEqual(FULL);
  });
});

const GRANT = /* GraphQL */ `mutation G($input: GrantAccessInput!) { grantAccess(input: $input) { id active } }`;
function grantInput(grantee: { granteeUnitCode?: string; granteeDepartmentCode?: string }, withinUnitCode: string) {
  return { ...grantee, kind: 'CASE', fields: ['reporterName', 'reporterPhone'], withinUnitCode, expiresAt: new Date(clock.now().getTime() + DAY).toISOString(), reason: '应急联络' };
}

describe('grants', () => {
  it('an admin may not grant to its own unit: FORBIDDEN, and the reporter stays masked', async () => {
    const c = await reported('city.admin');
    const refused = failure(await hub.gql(GRANT, { input: grantInput({ granteeUnitCode: '320600' }, '320600') }, { as: 'city.admin' }));
    expect(refused.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'grant', subject: 'Grant' });
    expect(await seen('city.admin', c.id)).toEqual(MASKED);
  });

  it('a grant someone else made unmasks, with its purpose and until its expiry', async () => {
    const c = await reported('chongchuan.officer');
    expect(await seen('chongchuan.officer', c.id)).toEqual(MASKED);
    data(await hub.gql(GRANT, { input: grantInput({ granteeUnitCode: U.chongchuan }, U.shuguang) }, { as: 'city.admin' }));
    expect(await seen('chongchuan.officer', c.id)).toEqual(FULL);
    clock.advance(DAY + 1000);
    expect(await seen('chongchuan.officer', c.id)).toEqual(MASKED);
  });
});

/**
 * No sequence of actions by a principal widens what it sees unmasked. Random demo principals
 * take random steps — DISPATCH to their own unit or another, REGISTER, an SLA sweep after the
 * deadline, a grant attempt naming their own unit or department — on fresh cases with a
 * reporter in several places. After every step the (case, field) pairs it sees in full must be
 * within those it saw before the first step, and within the rule's own words (the community or
 * grid where the case happened).
 */
const ACTORS = ['city.admin', 'chongchuan.officer', 'xuetian.officer', 'wenfeng.officer', 'shuguang.officer', 'hujing.grid', 'fire.officer'] as const;
const HOMES: Record<(typeof ACTORS)[number], { unit: string; department?: string; unmasks: string | null }> = {
  'city.admin': { unit: '320600', unmasks: null },
  'chongchuan.officer': { unit: U.chongchuan, unmasks: null },
  'xuetian.officer': { unit: U.xuetian, unmasks: null },
  'wenfeng.officer': { unit: U.wenfeng, unmasks: null },
  'shuguang.officer': { unit: U.shuguang, unmasks: U.shuguang },
  'hujing.grid': { unit: U.hujing, unmasks: U.hujing },
  'fire.officer': { unit: U.chongchuan, department: 'fire-brigade', unmasks: null },
};
const PLACES = [U.hujing, '320613006001002', '320613006002001', '320613008001001'];
const TARGETS = ['320600', U.chongchuan, U.xuetian, U.shuguang, U.hujing, U.wenfeng, U.wenfengCommunity];

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('dispatch' as const), target: fc.oneof(fc.constant('own'), fc.constantFrom(...TARGETS)), which: fc.nat(3) }),
  fc.record({ kind: fc.constant('register' as const), which: fc.nat(3) }),
  fc.record({ kind: fc.constant('escalate' as const) }),
  fc.record({ kind: fc.constant('selfGrant' as const), department: fc.boolean(), within: fc.constantFrom(...TARGETS) }),
);

async function unmaskedPairs(as: string, ids: string[]): Promise<Set<string>> {
  const query = `{ ${ids.map((id, i) => `c${i}: case(id: "${id}") { reporterName reporterPhone maskedFields }`).join(' ')} }`;
  const { body } = await hub.gql<Record<string, Seen | null>>(query, {}, { as });
  for (const error of body.errors ?? []) expect(error.extensions?.['code']).toBe('NOT_FOUND');
  const pairs = new Set<string>();
  ids.forEach((id, i) => {
    const c = body.data?.[`c${i}`];
    if (!c) return;
    if (c.reporterName === NAME) pairs.add(`${id}:reporterName`);
    if (c.reporterPhone === PHONE) pairs.add(`${id}:reporterPhone`);
    expect(c.maskedFields.length + [c.reporterName === NAME, c.reporterPhone === PHONE].filter(Boolean).length).toBe(2);
  });
  return pairs;
}

describe('no sequence of actions widens what a principal sees unmasked', () => {
  it('random principals, random steps (fast-check)', async () => {
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ACTORS), fc.array(stepArb, { minLength: 1, maxLength: 6 }), async (as, plan) => {
        const home = HOMES[as];
        const cases = await Promise.all(PLACES.map((unitCode) => reported('city.admin', unitCode)));
        const ids = cases.map((c) => c.id);
        const placeOf = new Map(ids.map((id, i) => [id, PLACES[i]!]));
        const allowed = (pair: string) => {
          const place = placeOf.get(pair.split(':')[0]!)!;
          return home.unmasks !== null && (place === home.unmasks || place.startsWith(`${home.unmasks}`));
        };
        const before = await unmaskedPairs(as, ids);
        for (const pair of before) expect(allowed(pair), `${as} sees ${pair} in full at the start`).toBe(true);
        for (const step of plan) {
          steps++;
          if (step.kind === 'dispatch') {
            await move(hub, as, ids[step.which]!, 'DISPATCH', { assignee: step.target === 'own' ? home.unit : step.target });
          } else if (step.kind === 'register') {
            await move(hub, as, ids[step.which]!, 'REGISTER');
          } else if (step.kind === 'escalate') {
            clock.advance(30 * DAY);
            await sweepOverdueCases(hub.handle.hub);
          } else {
            const grantee = step.department && home.department ? { granteeDepartmentCode: home.department } : { granteeUnitCode: home.unit };
            const { body } = await hub.gql(GRANT, { input: grantInput(grantee, step.within) }, { as });
            expect(body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
          }
          const after = await unmaskedPairs(as, ids);
          for (const pair of after) {
            expect(before.has(pair), `${as} unmasked ${pair} after ${JSON.stringify(step)}`).toBe(true);
            expect(allowed(pair)).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
    expect(steps).toBeGreaterThan(25);
  }, 300_000);
});
