import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, freshDatabase, TestClock, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';
import { openServer, type Database } from '../../src/platform/db/database.js';
import { sweepOverdueCases } from '../../src/modules/cases/index.js';
import { caseLive } from '../../src/modules/cases/case.live.js';
import { U, data, open, until } from './support.js';

/**
 * SLA escalation with a clock the test moves: an overdue case climbs to its assignee's parent
 * unit once per deadline, up to the district and no further, with history by `system`, a
 * renewed deadline and caseChanged. Two hubs share one database (two connection pools on
 * PostgreSQL, like two processes) and sweep at the same time: each case escalates exactly once.
 */
const HOUR = 3_600_000;
const clock = new TestClock();
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let second: Database;
let a: TestHub;
let b: TestHub;

beforeAll(async () => {
  fresh = await freshDatabase();
  a = await createTestHub({ database: fresh.database, clock });
  second = dbKind === 'postgres' ? await openServer({ url: fresh.url!, max: 5 }) : fresh.database;
  b = await createTestHub({ database: second, clock });
  // Settle the seeded cases that are overdue already.
  while ((await sweepOverdueCases(a.handle.hub)) > 0);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (second && second !== fresh.database) await second.close();
  await fresh?.drop();
});

interface Escalated {
  state: string;
  version: number;
  escalationCount: number;
  assignee: { code: string };
  deadlineAt: string;
  history: { seq: number; actor: string; action: string; fromState: string; toState: string; assigneeBefore: string; assigneeAfter: string }[];
}

async function read(id: string): Promise<Escalated> {
  return data(
    await a.gql<{ case: Escalated }>(
      'query($id: ID!) { case(id: $id) { state version escalationCount deadlineAt assignee { code } history { seq actor action fromState toState assigneeBefore assigneeAfter } } }',
      { id },
      { as: 'chongchuan.officer' },
    ),
  ).case;
}

/** Both hubs sweep, several times each, at once. */
async function sweepTogether(): Promise<void> {
  await Promise.all([a, b, a, b, a, b].map((hub) => sweepOverdueCases(hub.handle.hub)));
}

describe('SLA escalation', () => {
  it('climbs grid → community → street → district exactly once per deadline, and stops at the district', async () => {
    // EMERGENCY × CRITICAL: 4 h × 0.25 = 1 h.
    const c = await open(a, 'hujing.grid', { unitCode: U.hujing, title: '道路积水', category: 'EMERGENCY', severity: 'CRITICAL' });
    const live = await subscribe<{ id: string; assignee: { code: string }; escalationCount: number }>(
      b.wsUrl,
      `Bearer ${await b.token('xuetian.officer')}`,
      'subscription { caseChanged(filter: { unitCode: "320613006001001" }) { id assignee { code } escalationCount } }',
    );
    await until(() => b.handle.hub.singles.of(caseLive).subscribers === 1);

    clock.advance(59 * 60_000);
    await sweepTogether();
    expect((await read(c.id)).escalationCount).toBe(0);

    const chain = [U.shuguang, U.xuetian, U.chongchuan];
    for (const [step, parent] of chain.entries()) {
      clock.advance(HOUR + 60_000);
      await sweepTogether();
      const now = await read(c.id);
      expect({ step, assignee: now.assignee, escalationCount: now.escalationCount, version: now.version, deadlineAt: now.deadlineAt }).toEqual({
        step, assignee: { code: parent }, escalationCount: step + 1, version: step + 2, deadlineAt: new Date(clock.now().getTime() + HOUR).toISOString(),
      });
      // The feed loads a changed case when its event arrives, so a case escalated again before
      // that is delivered in its later state (README, caseChanged): wait for each event.
      await live.waitFor(step + 1, 5000);
    }
    // At the district it stays, overdue.
    clock.advance(3 * HOUR);
    await sweepTogether();
    const last = await read(c.id);
    expect(last.escalationCount).toBe(3);
    expect(last.history).toEqual([
      { seq: 1, actor: 'hujing.grid', action: 'OPEN', fromState: null, toState: 'REPORTED', assigneeBefore: null, assigneeAfter: U.hujing },
      { seq: 2, actor: 'system', action: 'ESCALATE', fromState: 'REPORTED', toState: 'REPORTED', assigneeBefore: U.hujing, assigneeAfter: U.shuguang },
      { seq: 3, actor: 'system', action: 'ESCALATE', fromState: 'REPORTED', toState: 'REPORTED', assigneeBefore: U.shuguang, assigneeAfter: U.xuetian },
      { seq: 4, actor: 'system', action: 'ESCALATE', fromState: 'REPORTED', toState: 'REPORTED', assigneeBefore: U.xuetian, assigneeAfter: U.chongchuan },
    ]);
    const overdue = data(await a.gql<{ cases: { edges: { node: { id: string } }[] } }>('{ cases(filter: { overdue: true, unitCode: "320613006001001" }, first: 100) { edges { node { id } } } }', {}, { as: 'chongchuan.officer' }));
    expect(overdue.cases.edges.map((e) => e.node.id)).toContain(c.id);

    // caseChanged reached the subscriber on the other hub once per escalation (and once for nothing else of this case).
    await live.waitFor(3, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(live.received.filter((x) => x.id === c.id)).toEqual(chain.map((code, i) => ({ id: c.id, assignee: { code }, escalationCount: i + 1 })));
    await live.close();
  });

  it('many overdue cases, many concurrent sweeps: each escalates exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await open(a, 'xuetian.officer', { unitCode: U.hujing, title: `积水${i}`, category: 'EMERGENCY', severity: 'CRITICAL' })).id);
    clock.advance(HOUR + 60_000);
    await sweepTogether();
    for (const id of ids) {
      const c = await read(id);
      expect({ id, escalations: c.history.filter((h) => h.action === 'ESCALATE').length, assignee: c.assignee }).toEqual({ id, escalations: 1, assignee: { code: U.shuguang } });
    }
  });
});
