import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestHub, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { cases } from '../../src/modules/cases/index.js';
import { principals } from '../../src/modules/principals/index.js';
import { DEFAULT_CLOSING_REPLY, residentRequests } from '../../src/modules/requests/index.js';
import { MISSING_ID, REQUEST_FIELDS, ok, onlyError, submitOk, type ErrorBody } from './fixtures.js';

/**
 * The staff side of the loop and the resident's last word: staff reply and close (ability
 * `handle`, the roots of reading), a closed case closes its request in the same transaction,
 * the resident rates a closed request once, and the rating reaches the case's satisfaction
 * that caseKpis averages. Every wrong principal is tried on every mutation.
 */

const STAFF_FIELDS = `${REQUEST_FIELDS} ratedAt ratingComment`;
const REPLY = /* GraphQL */ `
  mutation Reply($id: ID!, $reply: String!) { replyResidentRequest(id: $id, reply: $reply) { ${STAFF_FIELDS} } }
`;
const CLOSE = /* GraphQL */ `
  mutation Close($id: ID!, $reply: String) { closeResidentRequest(id: $id, reply: $reply) { ${STAFF_FIELDS} } }
`;
const ONE = /* GraphQL */ `
  query One($id: ID!) { residentRequest(id: $id) { ${STAFF_FIELDS} case { id number state } } }
`;
const TRACK = /* GraphQL */ `
  query Track($code: String!) { residentRequestStatus(trackingCode: $code) { trackingCode category status submittedAt reply repliedAt closedAt satisfaction canRate unit { code name } } }
`;
const RATE = /* GraphQL */ `
  mutation Rate($code: String!, $satisfaction: Int!, $comment: String) {
    rateResidentRequest(trackingCode: $code, satisfaction: $satisfaction, comment: $comment) { trackingCode status closedAt satisfaction canRate reply }
  }
`;
const OPEN_CASE = /* GraphQL */ `
  mutation Open($requestId: ID!) { openCase(input: { requestId: $requestId }) { id number state version } }
`;
const TRANSITION = /* GraphQL */ `
  mutation Move($id: ID!, $action: CaseAction!, $assignee: String) { transitionCase(id: $id, action: $action, assigneeUnitCode: $assignee) { id state closedAt satisfaction } }
`;
const KPIS = /* GraphQL */ `
  query Kpis($unitCode: String!, $from: DateTime!, $to: DateTime!) { caseKpis(unitCode: $unitCode, from: $from, to: $to) { closed rated averageSatisfaction } }
`;

interface Staff {
  id: string;
  trackingCode: string;
  status: string;
  reply: string | null;
  repliedAt: string | null;
  closedAt: string | null;
  satisfaction: number | null;
  ratedAt: string | null;
  ratingComment: string | null;
  case?: { id: string; number: string; state: string } | null;
  [field: string]: unknown;
}
interface Tracked {
  trackingCode: string;
  status: string;
  reply: string | null;
  repliedAt: string | null;
  closedAt: string | null;
  satisfaction: number | null;
  canRate: boolean;
  [field: string]: unknown;
}

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
  // A data officer of the 12345 hotline's department, which owns ResidentRequest: reads requests, handles none.
  await hub.database.db.insert(principals).values({ name: 'hotline.analyst', displayName: '12345热线数据专员', kind: 'PERSON', roles: ['DATA_OFFICER'], unitCode: '320613', departmentCode: '12345-hotline' });
});
afterAll(() => hub?.close());

/** A fresh request to 曙光社区 through the demo channel, as staff there see it. */
async function fresh(text: string): Promise<Staff> {
  const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'HAZARD', text, contactName: '张三', contactPhone: '13812341234' });
  const [row] = await hub.database.db.select({ id: residentRequests.id }).from(residentRequests).where(eq(residentRequests.trackingCode, receipt.trackingCode));
  return read(row!.id);
}
async function read(id: string): Promise<Staff> {
  return ok(await hub.gql<{ residentRequest: Staff }>(ONE, { id }, { as: 'shuguang.officer' })).residentRequest;
}
async function track(code: string): Promise<Tracked> {
  return ok(await hub.gql<{ residentRequestStatus: Tracked }>(TRACK, { code })).residentRequestStatus;
}
/** The audit entries naming a record, but for the reads of its personal data (what staff see is audited too). */
async function auditOf(id: string) {
  const rows = await hub.database.db.select().from(auditLog).where(sql`${id} = any(${auditLog.recordIds}) and ${auditLog.operation} <> 'read'`).orderBy(auditLog.seq);
  return rows.map((r) => ({ actor: r.actor, actorKind: r.actorKind, operation: r.operation, outcome: r.outcome, details: r.details }));
}
/** Runs a case from REPORTED to CLOSED as shuguang.officer (the community handles it itself). */
async function closeCase(caseId: string): Promise<{ closedAt: string }> {
  let last: { closedAt: string } | undefined;
  for (const [action, assignee] of [['REGISTER'], ['DISPATCH', '320613006001'], ['START'], ['RESOLVE'], ['VERIFY'], ['CLOSE']] as const) {
    last = ok(await hub.gql<{ transitionCase: { closedAt: string } }>(TRANSITION, { id: caseId, action, assignee }, { as: 'shuguang.officer' })).transitionCase;
  }
  return last!;
}

describe('replyResidentRequest', () => {
  it('the community replies: SUBMITTED becomes REPLIED, the resident sees the reply, an audit entry', async () => {
    const request = await fresh('东门路灯不亮');
    const { replyResidentRequest } = ok(await hub.gql<{ replyResidentRequest: Staff }>(REPLY, { id: request.id, reply: '  已报修，今晚修复。 ' }, { as: 'shuguang.officer' }));
    expect(replyResidentRequest).toEqual({ ...request, case: undefined, status: 'REPLIED', reply: '已报修，今晚修复。', repliedAt: expect.any(String) });
    const tracked = await track(request.trackingCode);
    expect(tracked).toMatchObject({ status: 'REPLIED', reply: '已报修，今晚修复。', repliedAt: replyResidentRequest.repliedAt, closedAt: null, satisfaction: null, canRate: false });
    expect(JSON.stringify(tracked)).not.toMatch(/shuguang|曙光社区工作人员|张三|1381234/);
    expect(await auditOf(request.id)).toEqual([
      expect.objectContaining({ operation: 'submitResidentRequest' }),
      { actor: 'shuguang.officer', actorKind: 'PERSON', operation: 'replyResidentRequest', outcome: 'ALLOWED', details: { from: 'SUBMITTED', to: 'REPLIED', replaced: false } },
    ]);
  });

  it('the street above may reply too; a second reply replaces the first and the status stays REPLIED', async () => {
    const request = await fresh('小区门口积水');
    ok(await hub.gql(REPLY, { id: request.id, reply: '已安排排水。' }, { as: 'shuguang.officer' }));
    const { replyResidentRequest } = ok(await hub.gql<{ replyResidentRequest: Staff }>(REPLY, { id: request.id, reply: '街道已协调市政排水。' }, { as: 'xuetian.officer' }));
    expect(replyResidentRequest).toMatchObject({ status: 'REPLIED', reply: '街道已协调市政排水。', contactPhone: '138****1234' });
    expect((await auditOf(request.id)).at(-1)).toMatchObject({ actor: 'xuetian.officer', details: { from: 'REPLIED', to: 'REPLIED', replaced: true } });
  });

  it.each([
    ['empty', '   ', 'reply must not be empty'],
    ['1,001 characters', '复'.repeat(1001), 'reply is longer than 1000 characters'],
    ['a NUL character', 'a\u0000b', 'reply holds a NUL character or a broken UTF-16 surrogate'],
  ])('a reply %s is BAD_USER_INPUT (field reply); nothing changes', async (_label, reply, message) => {
    const request = await fresh(`回复校验 ${_label}`);
    const error = onlyError(await hub.gql(REPLY, { id: request.id, reply }, { as: 'shuguang.officer' }), 'replyResidentRequest');
    expect(error).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field: 'reply' } });
    expect(await read(request.id)).toEqual(request);
  });

  it('exactly 1,000 characters is accepted', async () => {
    const request = await fresh('回复长度上限');
    const { replyResidentRequest } = ok(await hub.gql<{ replyResidentRequest: Staff }>(REPLY, { id: request.id, reply: '复'.repeat(1000) }, { as: 'shuguang.officer' }));
    expect([...replyResidentRequest.reply!]).toHaveLength(1000);
  });
});

describe('closeResidentRequest', () => {
  it('without a reply, a request never replied to closes with the fixed closing text; the resident may now rate', async () => {
    const request = await fresh('楼道灯坏了');
    const { closeResidentRequest } = ok(await hub.gql<{ closeResidentRequest: Staff }>(CLOSE, { id: request.id }, { as: 'shuguang.officer' }));
    expect(closeResidentRequest).toMatchObject({ status: 'CLOSED', reply: DEFAULT_CLOSING_REPLY, closedAt: expect.any(String), repliedAt: closeResidentRequest.closedAt });
    expect(await track(request.trackingCode)).toMatchObject({ status: 'CLOSED', reply: DEFAULT_CLOSING_REPLY, closedAt: closeResidentRequest.closedAt, satisfaction: null, canRate: true });
    expect((await auditOf(request.id)).at(-1)).toEqual({ actor: 'shuguang.officer', actorKind: 'PERSON', operation: 'closeResidentRequest', outcome: 'ALLOWED', details: { from: 'SUBMITTED', caseId: null, replied: false } });
  });

  it('a reply it had stays; a last reply given with the close replaces it', async () => {
    const kept = await fresh('垃圾桶满了');
    ok(await hub.gql(REPLY, { id: kept.id, reply: '已通知保洁。' }, { as: 'shuguang.officer' }));
    expect(ok(await hub.gql<{ closeResidentRequest: Staff }>(CLOSE, { id: kept.id }, { as: 'shuguang.officer' })).closeResidentRequest.reply).toBe('已通知保洁。');
    const replaced = await fresh('绿化带缺损');
    ok(await hub.gql(REPLY, { id: replaced.id, reply: '已登记。' }, { as: 'shuguang.officer' }));
    expect(ok(await hub.gql<{ closeResidentRequest: Staff }>(CLOSE, { id: replaced.id, reply: '已补种完毕。' }, { as: 'xuetian.officer' })).closeResidentRequest.reply).toBe('已补种完毕。');
  });

  it('a closed request is CONFLICT to close again or to reply to, and stays as it was', async () => {
    const request = await fresh('健身器材松动');
    const closed = ok(await hub.gql<{ closeResidentRequest: Staff }>(CLOSE, { id: request.id, reply: '已加固。' }, { as: 'shuguang.officer' })).closeResidentRequest;
    expect(onlyError(await hub.gql(CLOSE, { id: request.id }, { as: 'shuguang.officer' }), 'closeResidentRequest').extensions).toEqual({ code: 'CONFLICT', status: 'CLOSED' });
    expect(onlyError(await hub.gql(REPLY, { id: request.id, reply: '再说一句' }, { as: 'shuguang.officer' }), 'replyResidentRequest').extensions).toEqual({ code: 'CONFLICT', status: 'CLOSED' });
    expect(await read(request.id)).toMatchObject({ status: 'CLOSED', reply: '已加固。', closedAt: closed.closedAt });
  });
});

describe('the wrong principal, on every staff mutation', () => {
  let request: Staff;
  const mutations = [
    ['replyResidentRequest', REPLY, { reply: '越权回复' }],
    ['closeResidentRequest', CLOSE, { reply: '越权关闭' }],
  ] as const;
  beforeAll(async () => {
    request = await fresh('越权测试');
  });

  const sameShape = (e: ErrorBody, id: string) => ({ ...e, message: e.message.replace(id, '<id>'), extensions: { ...e.extensions, key: '<id>' } });

  it.each(mutations)('%s by another street’s officer (wenfeng) or the grid worker below is NOT_FOUND, exactly like a missing id', async (path, query, args) => {
    for (const as of ['wenfeng.officer', 'hujing.grid']) {
      const hidden = onlyError(await hub.gql(query, { id: request.id, ...args }, { as }), path);
      const missing = onlyError(await hub.gql(query, { id: MISSING_ID, ...args }, { as }), path);
      expect(hidden.extensions).toEqual({ code: 'NOT_FOUND', what: 'ResidentRequest', key: request.id });
      expect(sameShape(hidden, request.id)).toEqual(sameShape(missing, MISSING_ID));
    }
  });

  it.each(mutations)('%s by fire.officer, a data officer who reads requests, the auditor, an adapter: FORBIDDEN (handle ResidentRequest)', async (path, query, args) => {
    for (const as of ['fire.officer', 'hotline.analyst', 'city.auditor', 'iot-platform', '12345-hotline']) {
      expect(onlyError(await hub.gql(query, { id: request.id, ...args }, { as }), path).extensions).toEqual({ code: 'FORBIDDEN', action: 'handle', subject: 'ResidentRequest' });
    }
  });

  it.each(mutations)('%s anonymously is UNAUTHENTICATED; with a channel token as bearer, 401', async (path, query, args) => {
    expect(onlyError(await hub.gql(query, { id: request.id, ...args }), path).extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const asResident: GqlResponse = await hub.gql(query, { id: request.id, ...args }, { authorization: `Bearer ${DEMO_CHANNEL_TOKEN}` });
    expect(asResident.status).toBe(401);
    expect(asResident.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
  });

  it('after all of them the request is untouched, and the refusals of principals who could have seen it are in the audit log', async () => {
    expect(await read(request.id)).toEqual(request);
    const denied = (await auditOf(request.id)).filter((e) => e.outcome === 'DENIED');
    expect(new Set(denied.map((e) => e.actor))).toEqual(new Set(['wenfeng.officer', 'hujing.grid']));
  });
});

describe('a request handled as a case', () => {
  let request: Staff;
  let caseId: string;
  let caseNumber: string;
  beforeAll(async () => {
    request = await fresh('12幢楼道堆物堵住消防通道');
    const opened = ok(await hub.gql<{ openCase: { id: string; number: string } }>(OPEN_CASE, { requestId: request.id }, { as: 'shuguang.officer' })).openCase;
    caseId = opened.id;
    caseNumber = opened.number;
  });

  it('IN_CASE: a reply updates the public answer and the status stays IN_CASE', async () => {
    const { replyResidentRequest } = ok(await hub.gql<{ replyResidentRequest: Staff }>(REPLY, { id: request.id, reply: '已立案，网格员处理中。' }, { as: 'shuguang.officer' }));
    expect(replyResidentRequest).toMatchObject({ status: 'IN_CASE', reply: '已立案，网格员处理中。' });
  });

  it('closing the request while its case is open is CONFLICT naming the case', async () => {
    const error = onlyError(await hub.gql(CLOSE, { id: request.id }, { as: 'shuguang.officer' }), 'closeResidentRequest');
    expect(error.extensions).toEqual({ code: 'CONFLICT', status: 'IN_CASE', caseId, caseNumber, caseState: 'REPORTED' });
    expect(error.message).toMatch(/close the case, and the request closes with it/);
    expect((await read(request.id)).status).toBe('IN_CASE');
  });

  it('closing the case closes the request in the same transaction: same closedAt, the reply kept, one audit entry for each', async () => {
    const { closedAt } = await closeCase(caseId);
    const after = await read(request.id);
    expect(after).toMatchObject({ status: 'CLOSED', closedAt, reply: '已立案，网格员处理中。', case: { id: caseId, state: 'CLOSED' } });
    expect(await track(request.trackingCode)).toMatchObject({ status: 'CLOSED', closedAt, canRate: true });
    const [caseEntry] = await hub.database.db.select().from(auditLog).where(and(eq(auditLog.operation, 'transitionCase'), sql`${caseId} = any(${auditLog.recordIds})`, sql`${auditLog.details}->>'to' = 'CLOSED'`));
    const [requestEntry] = await hub.database.db.select().from(auditLog).where(and(eq(auditLog.operation, 'closeResidentRequest'), sql`${request.id} = any(${auditLog.recordIds})`));
    expect(requestEntry).toMatchObject({ actor: 'shuguang.officer', details: { byCase: caseNumber } });
    // The audit chain's lock is held to the end of a transaction: the request's entry and the
    // case's are neighbours in the chain, written by the one transaction that closed both.
    expect(caseEntry!.seq).toBe(requestEntry!.seq + 1);
  });

  it('a case closed on a request never replied to gives the fixed closing text', async () => {
    const quiet = await fresh('井盖松动');
    const opened = ok(await hub.gql<{ openCase: { id: string } }>(OPEN_CASE, { requestId: quiet.id }, { as: 'shuguang.officer' })).openCase;
    await closeCase(opened.id);
    expect(await track(quiet.trackingCode)).toMatchObject({ status: 'CLOSED', reply: DEFAULT_CLOSING_REPLY, canRate: true });
  });

  it('a request whose case was rejected (不予立案) may be closed on its own', async () => {
    const rejected = await fresh('建议增加停车位');
    const opened = ok(await hub.gql<{ openCase: { id: string } }>(OPEN_CASE, { requestId: rejected.id }, { as: 'shuguang.officer' })).openCase;
    ok(await hub.gql(TRANSITION, { id: opened.id, action: 'REJECT' }, { as: 'shuguang.officer' }));
    expect((await read(rejected.id)).status).toBe('IN_CASE');
    const { closeResidentRequest } = ok(await hub.gql<{ closeResidentRequest: Staff }>(CLOSE, { id: rejected.id, reply: '经研究暂不具备条件，感谢建议。' }, { as: 'shuguang.officer' }));
    expect(closeResidentRequest).toMatchObject({ status: 'CLOSED', reply: '经研究暂不具备条件，感谢建议。' });
    expect((await auditOf(rejected.id)).at(-1)).toMatchObject({ operation: 'closeResidentRequest', details: { from: 'IN_CASE', caseId: opened.id } });
  });
});

describe('rateResidentRequest (public, by tracking code)', () => {
  it('before the request is closed: CONFLICT, canRate false, nothing written', async () => {
    const request = await fresh('评价太早');
    const error = onlyError(await hub.gql(RATE, { code: request.trackingCode, satisfaction: 5 }), 'rateResidentRequest');
    expect(error.extensions).toEqual({ code: 'CONFLICT', status: 'SUBMITTED', canRate: false });
    expect(await read(request.id)).toEqual(request);
  });

  it('once closed: rated once with a comment; staff see rating, comment and time; a second rating is CONFLICT; audited as the resident', async () => {
    const request = await fresh('电梯异响');
    ok(await hub.gql(CLOSE, { id: request.id, reply: '已请维保单位检修。' }, { as: 'shuguang.officer' }));
    const code = request.trackingCode.toLowerCase().replace(/(.{4})(?!$)/g, '$1-');
    const { rateResidentRequest } = ok(await hub.gql<{ rateResidentRequest: Tracked }>(RATE, { code, satisfaction: 4, comment: ' 处理及时 ' }));
    expect(rateResidentRequest).toEqual({ trackingCode: request.trackingCode, status: 'CLOSED', closedAt: expect.any(String), satisfaction: 4, canRate: false, reply: '已请维保单位检修。' });
    expect(await read(request.id)).toMatchObject({ satisfaction: 4, ratingComment: '处理及时', ratedAt: expect.any(String) });
    const again = onlyError(await hub.gql(RATE, { code: request.trackingCode, satisfaction: 1 }), 'rateResidentRequest');
    expect(again.extensions).toEqual({ code: 'CONFLICT', status: 'CLOSED', canRate: false });
    expect((await read(request.id)).satisfaction).toBe(4);
    const [channel] = await hub.database.db.select({ channelId: residentRequests.channelId }).from(residentRequests).where(eq(residentRequests.id, request.id));
    expect((await auditOf(request.id)).at(-1)).toEqual({
      actor: `channel:${channel!.channelId}`, actorKind: 'RESIDENT', operation: 'rateResidentRequest', outcome: 'ALLOWED', details: { satisfaction: 4, commented: true, caseId: null },
    });
  });

  it.each([
    ['0', 0, undefined, 'satisfaction'],
    ['6', 6, undefined, 'satisfaction'],
    ['a 501-character comment', 3, '评'.repeat(501), 'comment'],
  ])('satisfaction %s is BAD_USER_INPUT naming the field; nothing is written', async (_label, satisfaction, comment, field) => {
    const request = await fresh(`评价校验 ${_label}`);
    ok(await hub.gql(CLOSE, { id: request.id }, { as: 'shuguang.officer' }));
    const before = await read(request.id);
    const error = onlyError(await hub.gql(RATE, { code: request.trackingCode, satisfaction, comment }), 'rateResidentRequest');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await read(request.id)).toEqual(before);
    expect(await track(request.trackingCode)).toMatchObject({ canRate: true });
  });

  it('an unknown or malformed code is NOT_FOUND', async () => {
    for (const code of ['ZZZZZZZZZZZZ', 'nonsense']) {
      expect(onlyError(await hub.gql(RATE, { code, satisfaction: 5 }), 'rateResidentRequest').extensions).toEqual({ code: 'NOT_FOUND', what: 'ResidentRequest', key: code });
    }
  });

  it("rating a request whose case closed in the KPI window moves caseKpis' averageSatisfaction, in the same transaction as the case's satisfaction", async () => {
    const request = await fresh('消防栓漏水');
    const opened = ok(await hub.gql<{ openCase: { id: string } }>(OPEN_CASE, { requestId: request.id }, { as: 'shuguang.officer' })).openCase;
    const { closedAt } = await closeCase(opened.id);
    const at = new Date(closedAt).getTime();
    const day = 86_400_000;
    const windows = {
      // Only this case closed in this millisecond: the average is exactly its rating.
      exact: { unitCode: '320613006001', from: new Date(at).toISOString(), to: new Date(at + 1).toISOString() },
      day: { unitCode: '320613006', from: new Date(at - day).toISOString(), to: new Date(at + day).toISOString() },
    };
    const kpis = async (w: typeof windows.exact) => ok(await hub.gql<{ caseKpis: { closed: number; rated: number; averageSatisfaction: number | null } }>(KPIS, w, { as: 'xuetian.officer' })).caseKpis;
    const expectedAverage = async (w: typeof windows.exact) => {
      const rows = await hub.database.db
        .select({ satisfaction: cases.satisfaction })
        .from(cases)
        .where(sql`${cases.state} = 'CLOSED' and ${cases.closedAt} >= ${w.from}::timestamptz and ${cases.closedAt} < ${w.to}::timestamptz and ${cases.unitPath} like ${'%' + w.unitCode + '%'} and ${cases.satisfaction} is not null`);
      return { rated: rows.length, averageSatisfaction: rows.length ? Math.round((rows.reduce((a, r) => a + r.satisfaction!, 0) / rows.length) * 100) / 100 : null };
    };
    expect(await kpis(windows.exact)).toEqual({ closed: 1, rated: 0, averageSatisfaction: null });
    const dayBefore = await kpis(windows.day);

    ok(await hub.gql(RATE, { code: request.trackingCode, satisfaction: 1, comment: '太慢了' }));

    expect(await kpis(windows.exact)).toEqual({ closed: 1, rated: 1, averageSatisfaction: 1 });
    const dayAfter = await kpis(windows.day);
    expect(dayAfter).toEqual({ closed: dayBefore.closed, ...(await expectedAverage(windows.day)) });
    expect(dayAfter.rated).toBe(dayBefore.rated + 1);
    const [row] = await hub.database.db.select({ satisfaction: cases.satisfaction }).from(cases).where(eq(cases.id, opened.id));
    expect(row!.satisfaction).toBe(1);
    expect((await auditOf(request.id)).at(-1)).toMatchObject({ operation: 'rateResidentRequest', details: { satisfaction: 1, commented: true, caseId: opened.id } });
  });
});
