import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { GET, U, data, failure, ingestAlert, move, moveOk, open, type CaseView } from './support.js';

/**
 * The closed loop end to end over HTTP with real tokens: from an alert to CLOSED through every
 * action, the workflow's refusals (CONFLICT listing what the caller may do), the wrong
 * principal on every path, concurrent transitions, the links to alerts and resident requests,
 * and personal data by the assignee-unit rule.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

interface History {
  seq: number;
  actor: string;
  action: string;
  fromState: string | null;
  toState: string;
  note: string | null;
  assigneeBefore: string | null;
  assigneeAfter: string | null;
}
type Full = CaseView & {
  history: History[];
  alert: { id: string; type: string; case: { id: string } | null } | null;
  request: { id: string; status: string; case: { id: string } | null } | null;
  finding: null;
};

async function get(as: string, id: string): Promise<Full> {
  return data(await hub.gql<{ case: Full }>(GET, { id }, { as })).case;
}

describe('the loop from an alert to CLOSED', () => {
  it('walks every action, with history, links and the allowed actions of each caller', async () => {
    const alertId = await ingestAlert(hub, new Date());
    const opened = await open(hub, 'xuetian.officer', { alertId, note: '指挥中心发现' });
    expect(opened).toEqual({
      id: expect.any(String),
      number: expect.stringMatching(/^320613-\d{4}-\d{6}$/),
      title: '烟感告警',
      description: '',
      category: 'EMERGENCY',
      severity: 'MEDIUM',
      state: 'REPORTED',
      version: 1,
      openedBy: 'xuetian.officer',
      reopenCount: 0,
      escalationCount: 0,
      origin: { kind: 'ALERT', id: alertId, source: null, externalId: null },
      unit: { code: U.hujing },
      assignee: { code: U.hujing, tier: 'GRID' },
      reporterName: null,
      reporterPhone: null,
      maskedFields: [],
      allowedActions: ['REGISTER', 'REJECT'],
      overdue: false,
    });
    const id = opened.id;
    // A second case from the same alert is refused, naming the first.
    expect(failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { alertId } }, { as: 'xuetian.officer' })).extensions).toEqual({
      code: 'CONFLICT', caseId: id, number: opened.number,
    });

    const steps: [string, string, Record<string, string>, string, string[]][] = [
      ['xuetian.officer', 'REGISTER', {}, 'REGISTERED', ['DISPATCH', 'SUSPEND']],
      ['xuetian.officer', 'DISPATCH', { assignee: U.hujing }, 'DISPATCHED', ['DISPATCH', 'START', 'SUSPEND']],
      ['hujing.grid', 'START', {}, 'IN_PROGRESS', ['RESOLVE', 'SUSPEND']],
      ['hujing.grid', 'RESOLVE', {}, 'RESOLVED', ['VERIFY', 'FAIL_VERIFICATION']],
      ['xuetian.officer', 'FAIL_VERIFICATION', { note: '烟感仍在报警' }, 'DISPATCHED', ['DISPATCH', 'START', 'SUSPEND']],
      ['xuetian.officer', 'SUSPEND', {}, 'SUSPENDED', ['RESUME']],
      ['xuetian.officer', 'RESUME', {}, 'DISPATCHED', ['DISPATCH', 'START', 'SUSPEND']],
      ['hujing.grid', 'START', {}, 'IN_PROGRESS', ['RESOLVE', 'SUSPEND']],
      ['hujing.grid', 'RESOLVE', { note: '更换烟感电池' }, 'RESOLVED', ['VERIFY', 'FAIL_VERIFICATION']],
      ['hujing.grid', 'VERIFY', {}, 'VERIFIED', ['CLOSE']],
      ['xuetian.officer', 'CLOSE', { note: '结案' }, 'CLOSED', []],
    ];
    let version = 1;
    for (const [as, action, extra, state, officerActions] of steps) {
      const moved = await moveOk(hub, as, id, action, { ...extra, expectedVersion: version });
      version++;
      expect({ action, state: moved.state, version: moved.version }).toEqual({ action, state, version });
      // allowedActions are the caller's (in the workflow table's order): the officer's view of every state.
      const seen = (await get('xuetian.officer', id)).allowedActions;
      expect({ state, seen }).toEqual({ state, seen: officerActions });
    }

    const closed = await get('xuetian.officer', id);
    expect(closed.state).toBe('CLOSED');
    expect(closed.reopenCount).toBe(1);
    expect(closed.alert).toEqual({ id: alertId, type: 'SMOKE', case: { id } });
    expect(closed.history.map((h) => [h.seq, h.actor, h.action, h.fromState, h.toState, h.assigneeAfter])).toEqual([
      [1, 'xuetian.officer', 'OPEN', null, 'REPORTED', U.hujing],
      [2, 'xuetian.officer', 'REGISTER', 'REPORTED', 'REGISTERED', U.hujing],
      [3, 'xuetian.officer', 'DISPATCH', 'REGISTERED', 'DISPATCHED', U.hujing],
      [4, 'hujing.grid', 'START', 'DISPATCHED', 'IN_PROGRESS', U.hujing],
      [5, 'hujing.grid', 'RESOLVE', 'IN_PROGRESS', 'RESOLVED', U.hujing],
      [6, 'xuetian.officer', 'FAIL_VERIFICATION', 'RESOLVED', 'DISPATCHED', U.hujing],
      [7, 'xuetian.officer', 'SUSPEND', 'DISPATCHED', 'SUSPENDED', U.hujing],
      [8, 'xuetian.officer', 'RESUME', 'SUSPENDED', 'DISPATCHED', U.hujing],
      [9, 'hujing.grid', 'START', 'DISPATCHED', 'IN_PROGRESS', U.hujing],
      [10, 'hujing.grid', 'RESOLVE', 'IN_PROGRESS', 'RESOLVED', U.hujing],
      [11, 'hujing.grid', 'VERIFY', 'RESOLVED', 'VERIFIED', U.hujing],
      [12, 'xuetian.officer', 'CLOSE', 'VERIFIED', 'CLOSED', U.hujing],
    ]);
    expect(closed.history.map((h) => h.note)).toEqual(['指挥中心发现', null, null, null, null, '烟感仍在报警', null, null, null, '更换烟感电池', null, '结案']);

    // Every transition is in the audit log, in its own transaction.
    const audit = data(
      await hub.gql<{ auditLog: { edges: { node: { operation: string; actor: string; recordIds: string[]; details: { action?: string } } }[] } }>(
        'query($f: AuditLogFilter) { auditLog(filter: $f, first: 100) { edges { node { operation actor recordIds details } } } }',
        { f: { kind: 'Case' } },
        { as: 'city.auditor' },
      ),
    ).auditLog.edges.map((e) => e.node).filter((n) => n.recordIds.includes(id)).reverse();
    expect(audit.map((n) => [n.operation, n.actor, n.details.action ?? null])).toEqual(
      closed.history.map((h) => [h.action === 'OPEN' ? 'openCase' : 'transitionCase', h.actor, h.action === 'OPEN' ? null : h.action]),
    );
  });
});

describe('the workflow refuses', () => {
  it('an action not allowed in the state or for the role: CONFLICT listing what this caller may do', async () => {
    const c = await open(hub, 'hujing.grid', { unitCode: U.hujing, title: '楼道堆物', category: 'SAFETY_HAZARD', severity: 'MEDIUM' });
    expect(c.allowedActions).toEqual([]);
    // A grid worker may not register; an officer may not start a REPORTED case.
    expect(failure(await move(hub, 'hujing.grid', c.id, 'REGISTER')).extensions).toEqual({ code: 'CONFLICT', state: 'REPORTED', version: 1, allowedActions: [] });
    expect(failure(await move(hub, 'xuetian.officer', c.id, 'START')).extensions).toEqual({ code: 'CONFLICT', state: 'REPORTED', version: 1, allowedActions: ['REGISTER', 'REJECT'] });
    // OPEN and ESCALATE are never taken through transitionCase.
    expect(failure(await move(hub, 'xuetian.officer', c.id, 'ESCALATE')).extensions).toEqual({ code: 'CONFLICT', state: 'REPORTED', version: 1, allowedActions: ['REGISTER', 'REJECT'] });
    // DISPATCH needs an assignee, within the caller's unit.
    await moveOk(hub, 'xuetian.officer', c.id, 'REGISTER');
    expect(failure(await move(hub, 'xuetian.officer', c.id, 'DISPATCH')).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'assigneeUnitCode' });
    expect(failure(await move(hub, 'xuetian.officer', c.id, 'DISPATCH', { assignee: U.wenfeng })).extensions).toEqual({ code: 'FORBIDDEN', action: 'dispatch', subject: 'Case' });
    // A stale expectedVersion.
    expect(failure(await move(hub, 'xuetian.officer', c.id, 'SUSPEND', { expectedVersion: 1 })).extensions).toEqual({
      code: 'CONFLICT', state: 'REGISTERED', version: 2, allowedActions: ['DISPATCH', 'SUSPEND'],
    });
    // A rejected report is final.
    const r = await open(hub, 'xuetian.officer', { unitCode: U.shuguang, title: '重复上报', category: 'CITY_APPEARANCE', severity: 'LOW' });
    expect((await moveOk(hub, 'xuetian.officer', r.id, 'REJECT')).state).toBe('REJECTED');
    expect(failure(await move(hub, 'xuetian.officer', r.id, 'REGISTER')).extensions).toEqual({ code: 'CONFLICT', state: 'REJECTED', version: 2, allowedActions: [] });
  });

  it('the wrong principal on every path: NOT_FOUND outside the scope, FORBIDDEN for who may not act at all', async () => {
    const c = await open(hub, 'shuguang.officer', { unitCode: U.hujing, title: '占道经营', category: 'STREET_ORDER', severity: 'MEDIUM' });
    for (const as of ['wenfeng.officer', 'fire.officer', 'city.auditor', 'iot-platform', '12345-hotline']) {
      expect({ as, e: failure(await move(hub, as, c.id, 'REGISTER')).extensions }).toEqual({ as, e: { code: 'NOT_FOUND', what: 'Case', key: c.id } });
      expect({ as, e: failure(await hub.gql('query($id: ID!) { case(id: $id) { id } }', { id: c.id }, { as })).extensions }).toEqual({ as, e: { code: 'NOT_FOUND', what: 'Case', key: c.id } });
    }
    for (const as of ['fire.officer', 'city.auditor', 'iot-platform']) {
      expect({ as, e: failure(await hub.gql('{ cases { totalCount } }', {}, { as })).extensions }).toEqual({ as, e: { code: 'FORBIDDEN', action: 'read', subject: 'Case' } });
      expect({ as, e: failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { unitCode: U.hujing, title: 'x', category: 'FACILITIES', severity: 'LOW' } }, { as })).extensions }).toEqual({
        as, e: { code: 'FORBIDDEN', action: 'open', subject: 'Case' },
      });
    }
    expect(failure(await hub.gql('{ cases { totalCount } }')).extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // Opening outside one's unit.
    expect(failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { unitCode: U.wenfengCommunity, title: 'x', category: 'FACILITIES', severity: 'LOW' } }, { as: 'hujing.grid' })).extensions).toEqual({
      code: 'FORBIDDEN', action: 'open', subject: 'Case',
    });
    // An origin outside the caller's scope is NOT_FOUND.
    const alertId = await ingestAlert(hub, new Date());
    expect(failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { alertId } }, { as: 'wenfeng.officer' })).extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: alertId });
    // The list never shows it to another street.
    const wenfeng = data(await hub.gql<{ cases: { edges: { node: { id: string; unit: { path: string }; assignee: { path: string } } }[] } }>('{ cases(first: 100) { edges { node { id unit { path } assignee { path } } } } }', {}, { as: 'wenfeng.officer' })).cases.edges;
    expect(wenfeng.length).toBeGreaterThan(0);
    expect(wenfeng.filter((e) => !e.node.unit.path.includes(U.wenfeng) && !e.node.assignee.path.includes(U.wenfeng))).toEqual([]);
  });

  it('two officers acting at once: exactly one wins, the other gets CONFLICT', async () => {
    const c = await open(hub, 'xuetian.officer', { unitCode: U.hujing, title: '路灯不亮', category: 'FACILITIES', severity: 'LOW' });
    const results = await Promise.all([move(hub, 'xuetian.officer', c.id, 'REGISTER'), move(hub, 'shuguang.officer', c.id, 'REJECT'), move(hub, 'chongchuan.officer', c.id, 'REGISTER')]);
    const won = results.filter((r) => !r.body.errors);
    const lost = results.filter((r) => r.body.errors);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => r.body.errors![0]!.extensions!['code'])).toEqual(['CONFLICT', 'CONFLICT']);
    const after = await hub.gql<{ case: { version: number; history: { seq: number }[] } }>('query($id: ID!) { case(id: $id) { version history { seq } } }', { id: c.id }, { as: 'xuetian.officer' });
    expect(data(after).case).toEqual({ version: 2, history: [{ seq: 1 }, { seq: 2 }] });
  });
});

describe('assignee unit', () => {
  it('a case dispatched elsewhere is readable and actionable there, with its personal data still masked', async () => {
    const c = await open(hub, 'chongchuan.officer', {
      unitCode: U.hujing, title: '跨街道协办', category: 'PUBLIC_SERVICE', severity: 'MEDIUM', reporterName: '欧阳娜娜', reporterPhone: '13912345678',
    });
    expect([c.reporterName, c.reporterPhone, c.maskedFields]).toEqual(['欧***', '139****5678', ['reporterName', 'reporterPhone']]);
    expect(failure(await hub.gql('query($id: ID!) { case(id: $id) { id } }', { id: c.id }, { as: 'wenfeng.officer' })).extensions!['code']).toBe('NOT_FOUND');
    await moveOk(hub, 'chongchuan.officer', c.id, 'REGISTER');
    await moveOk(hub, 'chongchuan.officer', c.id, 'DISPATCH', { assignee: U.wenfeng });
    const there = await get('wenfeng.officer', c.id);
    expect([there.assignee, there.reporterName, there.reporterPhone, there.maskedFields, there.allowedActions]).toEqual([
      { code: U.wenfeng, tier: 'STREET' }, '欧***', '139****5678', ['reporterName', 'reporterPhone'], ['DISPATCH', 'START', 'SUSPEND'],
    ]);
    // Assignment moves work, never personal data: only the community where it happened sees it in full.
    expect((await get('shuguang.officer', c.id)).reporterPhone).toBe('13912345678');
    expect((await get('xuetian.officer', c.id)).reporterPhone).toBe('139****5678');
    expect((await moveOk(hub, 'wenfeng.officer', c.id, 'START')).state).toBe('IN_PROGRESS');
  });
});

describe('from a resident request', () => {
  it('links both ways and the request becomes IN_CASE', async () => {
    const requests = data(
      await hub.gql<{ residentRequests: { edges: { node: { id: string; status: string; contactName: string | null } }[] } }>(
        '{ residentRequests(filter: { unitCode: "320613006001", statuses: [SUBMITTED] }, first: 1) { edges { node { id status contactName } } } }',
        {},
        { as: 'shuguang.officer' },
      ),
    ).residentRequests.edges;
    const request = requests[0]!.node;
    const c = await open(hub, 'shuguang.officer', { requestId: request.id });
    expect(c.origin).toEqual({ kind: 'RESIDENT_REQUEST', id: request.id, source: null, externalId: null });
    expect(c.reporterName).toBe(request.contactName);
    const seen = await get('shuguang.officer', c.id);
    expect(seen.request).toEqual({ id: request.id, status: 'IN_CASE', case: { id: c.id } });
    expect(failure(await hub.gql('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { requestId: request.id } }, { as: 'shuguang.officer' })).extensions!['code']).toBe('CONFLICT');
  });
});
