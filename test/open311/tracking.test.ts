import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestHub, TestClock, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { residentRequests } from '../../src/modules/requests/index.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { SERVICES } from '../../src/modules/open311/index.js';
import { createChannelOk, ok, requestIdOf } from '../requests/fixtures.js';
import { expectRequestShape, faults, inShanghai, open311, writes } from './fixtures.js';

/**
 * The Open311 face of the resident loop, part two: reading requests. The holder of a tracking
 * code sees what the status page shows (no text, no contact, no place); staff see the requests
 * their ability lets them read, filtered in SQL, with the address masked above the community —
 * checked against what GraphQL shows the same principal.
 */

const DAY = 86_400_000;
const clock = new TestClock();
let hub: TestHub;

interface Node {
  id: string;
  trackingCode: string;
  category: 'SUGGESTION' | 'COMPLAINT' | 'HELP' | 'HAZARD';
  text: string;
  photoUrl: string | null;
  location: { lat: number; lng: number } | null;
  address: string | null;
  status: 'SUBMITTED' | 'REPLIED' | 'IN_CASE' | 'CLOSED';
  reply: string | null;
  repliedAt: string | null;
  submittedAt: string;
  closedAt: string | null;
  unit: { code: string; name: string };
  case: { openedAt: string; deadlineAt: string; closedAt: string | null } | null;
}

const NODE = 'id trackingCode category text photoUrl location { lat lng } address status reply repliedAt submittedAt closedAt unit { code name } case { openedAt deadlineAt closedAt }';
const LIST = `query($filter: ResidentRequestFilter, $after: String) { residentRequests(filter: $filter, first: 100, after: $after) { edges { node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`;

/** What GraphQL shows `as` (every page): the oracle for the staff view. */
async function graphql(as: string, filter: Record<string, unknown> = {}): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (;;) {
    type Page = { residentRequests: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    const response: GqlResponse<Page> = await hub.gql<Page>(LIST, { filter, after }, { as });
    const page: Page['residentRequests'] = ok(response).residentRequests;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** The spec's service names, as the services list answers them. */
const NAMES = { SUGGESTION: '建议', COMPLAINT: '投诉', HELP: '求助', HAZARD: '隐患上报' } as const;
const NOTES = { SUBMITTED: '已提交', REPLIED: '已回复', IN_CASE: '已立案办理', CLOSED: '已办结' } as const;
const notice = (category: Node['category']) => SERVICES.find((s) => s.category === category)!.notice;

/** A request as the holder of its tracking code (`code`: staff above the community see it masked in `n`) sees it over Open311. */
function publicView(n: Node, code = n.trackingCode): Record<string, unknown> {
  const times = [n.submittedAt, n.repliedAt, n.closedAt, n.case?.openedAt ?? null].filter((t): t is string => t !== null).map((t) => Date.parse(t));
  return {
    service_request_id: code,
    status: n.status === 'CLOSED' ? 'closed' : 'open',
    status_notes: n.reply ? `${NOTES[n.status]}：${n.reply}` : NOTES[n.status],
    service_name: NAMES[n.category],
    service_code: n.category.toLowerCase(),
    description: null,
    agency_responsible: n.unit.name,
    service_notice: notice(n.category),
    requested_datetime: inShanghai(n.submittedAt),
    updated_datetime: inShanghai(new Date(Math.max(...times)).toISOString()),
    expected_datetime: null,
    address: null,
    address_id: null,
    zipcode: null,
    lat: null,
    long: null,
    media_url: null,
  };
}

/** The same request in the public listing: the state word only, and the request's id instead of its tracking code. */
function listedView(n: Node): Record<string, unknown> {
  return { ...publicView(n), service_request_id: n.id, status_notes: NOTES[n.status] };
}

/** The same request as staff see it: with the text, the place, the photo, the address as GraphQL shows them, and an open case's deadline. */
function staffView(n: Node): Record<string, unknown> {
  return {
    ...publicView(n),
    // Staff who see the tracking code masked get the request's id instead, as the public listing does.
    service_request_id: n.trackingCode.startsWith('*') ? n.id : n.trackingCode,
    description: n.text,
    expected_datetime: n.case && n.case.closedAt === null ? inShanghai(n.case.deadlineAt) : null,
    address: n.address,
    lat: n.location?.lat ?? null,
    long: n.location?.lng ?? null,
    media_url: n.photoUrl,
  };
}

async function file(token: string, form: Record<string, string>): Promise<string> {
  const response = await open311<{ service_request_id: string }[]>(hub, 'POST', '/requests.json', { form: { api_key: token, ...form } });
  expect(response.status).toBe(201);
  return response.body[0]!.service_request_id;
}

const MINE = { service_code: 'hazard', description: '3幢楼道里有人给电动车充电', lat: '32.0149', long: '120.8645', address_string: '曙光示例小区3幢1单元', media_url: 'https://example.org/p/3.jpg', last_name: '李', first_name: '四', phone: '13800005678' };
/** Sent through 曙光社区's channel. */
let mine: string;
/** Sent through a 文峰 community's channel. */
let cbd: string;
/** Sent 100 days ago: outside the default window. */
let old: string;

beforeAll(async () => {
  hub = await createTestHub({ clock });
  const now = clock.now();
  clock.set(new Date(now.getTime() - 100 * DAY));
  old = await file(DEMO_CHANNEL_TOKEN, { service_code: 'suggestion', description: '百日之前的建议' });
  clock.set(now);
  mine = await file(DEMO_CHANNEL_TOKEN, MINE);
  const { token } = await createChannelOk(hub, '320613008001', '中央商务区社区居民服务码');
  clock.advance(1000);
  cbd = await file(token, { service_code: 'complaint', description: '广场舞音乐太吵', address_string: '文峰示例小区8栋1单元101室' });
});
afterAll(() => hub?.close());

/** A header value as the UTF-8 bytes curl would send (fetch takes only Latin-1 characters). */
const utf8Header = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** The request behind a tracking code as `as` reads it through GraphQL. */
async function node(as: string, code: string): Promise<Node> {
  const id = await requestIdOf(hub, code);
  const found = (await graphql(as)).find((n) => n.id === id);
  expect(found, code).toBeDefined();
  return found!;
}

describe('the holder of a tracking code (no credentials): what the status page shows', () => {
  it('GET /requests/{id}.json: the spec’s keys; no text, contact, address, place or photo', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${mine}.json`);
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
    expectRequestShape(response.body[0]!);
    expect(response.body[0]).toEqual(publicView(await node('shuguang.officer', mine)));
    expect(response.body[0]).toMatchObject({ status: 'open', status_notes: '已提交', service_code: 'hazard', service_name: '隐患上报', agency_responsible: '曙光社区' });
    for (const secret of [MINE.description, MINE.address_string, MINE.phone, '李四', MINE.media_url, MINE.lat]) expect(JSON.stringify(response.body)).not.toContain(secret);
  });

  it('codes are read as on the status page (case, dashes, spaces ignored); unknown codes are 404; a channel key changes nothing, a bad one is 403', async () => {
    const typed = `${mine.slice(0, 4).toLowerCase()}-${mine.slice(4, 8)} ${mine.slice(8)}`;
    const expected = (await open311(hub, 'GET', `/requests/${mine}.json`)).body;
    expect((await open311(hub, 'GET', `/requests/${encodeURIComponent(typed)}.json`)).body).toEqual(expected);
    expect((await open311(hub, 'GET', `/requests/${mine}.json`, { query: { api_key: DEMO_CHANNEL_TOKEN } })).body).toEqual(expected);
    for (const code of ['ABCDEFGHJKMN', 'nope']) {
      expect(faults(await open311(hub, 'GET', `/requests/${code}.json`), 404)).toEqual([{ code: 404, description: `service_request_id ${code} was not found` }]);
    }
    expect(faults(await open311(hub, 'GET', `/requests/${mine}.json`, { headers: { 'x-api-key': 'ghc_' + 'B'.repeat(43) } }), 403)).toHaveLength(1);
  });

  it('GET /requests.json?service_request_id=a,b,…: those that exist, newest first; jurisdiction_id narrows', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { query: { service_request_id: `${mine},ABCDEFGHJKMN,${cbd}`, status: 'closed', service_code: 'help' } });
    expect(response.status).toBe(200);
    expect(response.body.map((r) => r['service_request_id'])).toEqual([cbd, mine]);
    for (const request of response.body) expectRequestShape(request);
    expect(response.body[0]).toEqual(publicView(await node('wenfeng.officer', cbd), cbd));
    // Repeated parameters are joined, as comma lists are.
    const repeated = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { query: { service_request_id: [mine, cbd] } });
    expect(repeated.body).toEqual(response.body);
    const narrowed = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { query: { service_request_id: `${mine},${cbd}`, jurisdiction_id: '320613008001' } });
    expect(narrowed.body.map((r) => r['service_request_id'])).toEqual([cbd]);
  });

  it('listing without codes is the public listing: every request of the window, no text, place, photo, reply or contact', async () => {
    const listed = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json');
    expect(listed.status).toBe(200);
    const since = clock.now().getTime() - 90 * DAY;
    // The oracle: every request of every community in the last 90 days, as the city's admin reads them.
    const all = (await graphql('city.admin')).filter((n) => Date.parse(n.submittedAt) >= since);
    expect(new Set(all.map((n) => n.unit.code)).size).toBeGreaterThan(1);
    expect(listed.body).toEqual(all.map((n) => listedView(n)));
    for (const request of listed.body) {
      expectRequestShape(request);
      for (const key of ['description', 'address', 'lat', 'long', 'media_url', 'expected_datetime']) expect(request[key], key).toBeNull();
    }
    // A channel key changes nothing; filters apply as for staff.
    const withKey = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { query: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'hazard', status: 'open' } });
    expect(withKey.body).toEqual(listed.body.filter((r) => r['service_code'] === 'hazard' && r['status'] === 'open'));
    // No personal value of any request reaches the listing, whatever field it sits in.
    const text = JSON.stringify(listed.body);
    for (const n of all) {
      if (n.address) expect(text).not.toContain(n.address);
      if (n.reply) expect(text).not.toContain(n.reply);
      expect(text).not.toContain(n.text);
      // Holding the tracking code is the resident's permission: the listing never hands it out.
      expect(text).not.toContain(n.trackingCode);
    }
  });

  it('a listed id reads back as the listing shows it, never as the holder sees it, and rates nothing', async () => {
    const code = await file(DEMO_CHANNEL_TOKEN, { service_code: 'help', description: '单元门禁坏了' });
    const shown = await node('shuguang.officer', code);
    await hub.gql('mutation($id: ID!) { replyResidentRequest(id: $id, reply: "已收到，明天上门查看") { status } }', { id: shown.id }, { as: 'shuguang.officer' });
    const replied = await node('shuguang.officer', code);
    const listed = (await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json')).body.find((r) => r['service_request_id'] === shown.id);
    expect(listed).toEqual(listedView(replied));
    for (const path of [`/requests/${shown.id}.json`, `/requests/${shown.id.toUpperCase()}.json`]) {
      const one = await open311<Record<string, unknown>[]>(hub, 'GET', path);
      expect(one.status, path).toBe(200);
      expect(one.body, path).toEqual([listedView(replied)]);
    }
    const many = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { query: { service_request_id: `${shown.id},${code}` } });
    // Named both ways, it is one request, and the code shows it as its holder sees it.
    expect(many.body).toEqual([publicView(replied)]);
    expect(JSON.stringify((await open311(hub, 'GET', `/requests/${shown.id}.json`)).body)).not.toContain('明天上门');
    // The holder's view by code still carries the reply.
    expect((await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${code}.json`)).body[0]!['status_notes']).toBe('已回复：已收到，明天上门查看');
    const rated = await hub.gql<any>('mutation($code: String!) { rateResidentRequest(trackingCode: $code, satisfaction: 1) { status } }', { code: shown.id });
    expect(rated.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('staff (Authorization): scoped by their ability, in SQL', () => {
  it('xuetian.officer lists exactly what GraphQL shows it in the last 90 days, newest first, address masked', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer' });
    expect(response.status).toBe(200);
    for (const request of response.body) expectRequestShape(request);
    const mineId = await requestIdOf(hub, mine);
    const since = clock.now().getTime() - 90 * DAY;
    const expected = (await graphql('xuetian.officer')).filter((n) => Date.parse(n.submittedAt) >= since);
    expect(expected.length).toBeGreaterThan(30);
    expect(response.body).toEqual(expected.map(staffView));
    // Above the community the tracking code is not handed out: the staff view names each request by id.
    expect(response.body.map((r) => r['service_request_id'])).not.toContain(await requestIdOf(hub, old));
    for (const r of response.body) expect(r['service_request_id']).toMatch(/^[0-9a-f-]{36}$/);
    const masked = response.body.find((r) => r['service_request_id'] === mineId)!;
    // Above the community the position of a personal record is rounded to about 100 m.
    expect(masked).toMatchObject({ description: MINE.description, address: '曙光示例小区3幢****', lat: 32.015, long: 120.865, media_url: MINE.media_url });
  });

  it('shuguang.officer (the community) gets the address in full, and that read is in the audit log', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query: { service_request_id: mine }, headers: { 'x-purpose': utf8Header('核实隐患位置') } });
    expect(response.body).toEqual([staffView(await node('shuguang.officer', mine))]);
    expect(response.body[0]).toMatchObject({ address: MINE.address_string });
    const [row] = await hub.database.db.select({ id: residentRequests.id }).from(residentRequests).where(eq(residentRequests.trackingCode, mine));
    const reads = await hub.database.db
      .select()
      .from(auditLog)
      .where(and(sql`${row!.id} = any(${auditLog.recordIds})`, eq(auditLog.operation, 'read'), eq(auditLog.actor, 'shuguang.officer'), eq(auditLog.purpose, '核实隐患位置')));
    expect(reads.map((e) => ({ kind: e.kind, fields: e.fields, outcome: e.outcome }))).toEqual([{ kind: 'ResidentRequest', fields: ['address'], outcome: 'ALLOWED' }]);
  });

  it('wenfeng.officer (another street) gets none of 学田’s: not in its list, not by code (a denial is audited), 404 by id', async () => {
    const list = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'wenfeng.officer' });
    // A street sees tracking codes masked, so its staff view names requests by id.
    const cbdId = await requestIdOf(hub, cbd);
    expect(list.body.map((r) => r['service_request_id'])).toEqual([cbdId]);
    expect(list.body[0]).toEqual(staffView(await node('wenfeng.officer', cbd)));
    expect(list.body[0]!['address']).toBe('文峰示例小区8栋****');
    expect((await open311(hub, 'GET', '/requests.json', { as: 'wenfeng.officer', query: { service_request_id: `${mine},${cbd}` } })).body.map((r: any) => r.service_request_id)).toEqual([cbdId]);
    expect(faults(await open311(hub, 'GET', `/requests/${mine}.json`, { as: 'wenfeng.officer' }), 404)).toHaveLength(1);
    expect((await open311(hub, 'GET', '/requests.json', { as: 'wenfeng.officer', query: { jurisdiction_id: '320613006001' } })).body).toEqual([]);
    const [row] = await hub.database.db.select({ id: residentRequests.id }).from(residentRequests).where(eq(residentRequests.trackingCode, mine));
    const denials = await hub.database.db.select().from(auditLog).where(and(sql`${row!.id} = any(${auditLog.recordIds})`, eq(auditLog.actor, 'wenfeng.officer'), eq(auditLog.outcome, 'DENIED')));
    expect(denials.length).toBe(2);
  });

  it('hujing.grid reads none (requests sit at the community); principals who may read no request get 403; a forged token 401', async () => {
    expect((await open311(hub, 'GET', '/requests.json', { as: 'hujing.grid' })).body).toEqual([]);
    for (const as of ['fire.officer', 'city.auditor', '12345-hotline']) {
      expect(faults(await open311(hub, 'GET', '/requests.json', { as }), 403)).toEqual([{ code: 403, description: 'Not allowed to read ResidentRequest' }]);
      expect(faults(await open311(hub, 'GET', `/requests/${mine}.json`, { as }), 403)).toHaveLength(1);
    }
    expect(faults(await open311(hub, 'GET', '/requests.json', { headers: { authorization: 'Bearer forged' } }), 401)).toHaveLength(1);
  });

  it('service_code, status and jurisdiction_id narrow within the scope', async () => {
    const all = (await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer' })).body;
    const expectIds = async (query: Record<string, string>, keep: (r: Record<string, unknown>) => boolean) => {
      const expected = all.filter(keep);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      expect((await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer', query })).body).toEqual(expected);
    };
    await expectIds({ service_code: 'hazard,help' }, (r) => r['service_code'] === 'hazard' || r['service_code'] === 'help');
    await expectIds({ status: 'open' }, (r) => r['status'] === 'open');
    await expectIds({ status: 'closed' }, (r) => r['status'] === 'closed');
    const unitOf = new Map((await graphql('xuetian.officer')).map((n) => [n.id, n.unit.code]));
    await expectIds({ jurisdiction_id: '320613006002' }, (r) => unitOf.get(r['service_request_id'] as string) === '320613006002');
    expect((await open311(hub, 'GET', '/requests.json', { as: 'xuetian.officer', query: { status: 'open,closed' } })).body).toEqual(all);
    for (const r of all.filter((x) => x['status'] === 'closed')) expect(r['status_notes']).toMatch(/^已办结/);
  });

  it('dates: start_date/end_date pick requested_datetime (the last 90 days by default, at most 90 days apart)', async () => {
    const now = clock.now().getTime();
    const iso = (ms: number) => new Date(ms).toISOString();
    const around = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query: { start_date: iso(now - 110 * DAY), end_date: iso(now - 80 * DAY) } });
    expect(around.body.map((r) => r['service_request_id'])).toEqual([old]);
    // Only a start: 90 days from it. Only an end: 90 days up to it. A `+` left unencoded arrives as a space, and is read as `+`.
    expect((await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query: { start_date: iso(now - 101 * DAY) } })).body.map((r) => r['service_request_id'])).toContain(old);
    expect((await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query: { end_date: iso(now - 99 * DAY) } })).body.map((r) => r['service_request_id'])).toEqual([old]);
    const spaced = await fetch(`${hub.url}/open311/v2/requests.json?end_date=${inShanghai(iso(now - 99 * DAY))}`, { headers: { authorization: `Bearer ${await hub.token('shuguang.officer')}` } });
    expect(((await spaced.json()) as { service_request_id: string }[]).map((r) => r.service_request_id)).toEqual([old]);

    const bad = (query: Record<string, string>) => open311(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query });
    expect(faults(await bad({ start_date: iso(now - 100 * DAY), end_date: iso(now) }), 400)).toEqual([{ code: 400, description: 'end_date is more than 90 days after start_date' }]);
    expect(faults(await bad({ start_date: iso(now), end_date: iso(now - DAY) }), 400)).toEqual([{ code: 400, description: 'end_date is before start_date' }]);
    const format = 'must be a W3C date-time with a time zone (2026-11-01T00:00:00+08:00) or a date (2026-11-01, 2026-11, 2026)';
    expect(faults(await bad({ start_date: 'yesterday', end_date: '2026-11-01T00:00:00', service_code: 'pothole', status: 'pending' }), 400)).toEqual([
      { code: 400, description: 'service_code pothole is not a service here; the services are suggestion, complaint, help, hazard' },
      { code: 400, description: 'status pending is not a status; use open or closed' },
      { code: 400, description: `start_date ${format}` },
      { code: 400, description: `end_date ${format}` },
    ]);
    for (const wrong of ['2026-13', '2026-02-30', '2026-1-5', '26-11-01']) expect(faults(await bad({ start_date: wrong }), 400), wrong).toEqual([{ code: 400, description: `start_date ${format}` }]);

    // Dates as the W3C profile allows them: a date, a month, a year, each a period in China Standard Time.
    const day = (ms: number) => inShanghai(new Date(ms).toISOString()).slice(0, 10);
    const oldDay = day(now - 100 * DAY);
    const onDay = await bad({ start_date: oldDay, end_date: oldDay });
    expect(onDay.status).toBe(200);
    expect((onDay.body as Record<string, unknown>[]).map((r) => r['service_request_id'])).toEqual([old]);
    const dayBefore = await bad({ start_date: day(now - 101 * DAY), end_date: day(now - 101 * DAY) });
    expect((dayBefore.body as Record<string, unknown>[]).map((r) => r['service_request_id'])).not.toContain(old);
    const month = oldDay.slice(0, 7);
    const inMonth = await bad({ start_date: month, end_date: month });
    expect(inMonth.status).toBe(200);
    expect((inMonth.body as Record<string, unknown>[]).map((r) => r['service_request_id'])).toContain(old);
    for (const r of inMonth.body as Record<string, unknown>[]) expect(String(r['requested_datetime']).slice(0, 7)).toBe(month);
  });
});

describe('the finer state in status_notes as the request moves', () => {
  it('a case opened from it: open, 已立案办理; staff see the case’s deadline as expected_datetime, the resident does not', async () => {
    const { id } = await node('shuguang.officer', mine);
    const opened = ok(await hub.gql<{ openCase: { openedAt: string; deadlineAt: string } }>('mutation($i: OpenCaseInput!) { openCase(input: $i) { openedAt deadlineAt } }', { i: { requestId: id } }, { as: 'xuetian.officer' })).openCase;
    const staff = (await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${mine}.json`, { as: 'shuguang.officer' })).body[0]!;
    expect(staff).toMatchObject({ status: 'open', status_notes: '已立案办理', expected_datetime: inShanghai(opened.deadlineAt), updated_datetime: inShanghai(opened.openedAt) });
    expect(staff).toEqual(staffView(await node('shuguang.officer', mine)));
    const resident = (await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${mine}.json`)).body[0]!;
    expect(resident).toMatchObject({ status: 'open', status_notes: '已立案办理', expected_datetime: null, updated_datetime: inShanghai(opened.openedAt) });
  });

  it('replied, then closed by staff: 已回复 and the reply, then closed with 已办结; updated_datetime follows', async () => {
    const { id } = await node('wenfeng.officer', cbd);
    clock.advance(60_000);
    const replied = ok(await hub.gql<{ replyResidentRequest: { repliedAt: string } }>('mutation($id: ID!) { replyResidentRequest(id: $id, reply: "已联系广场舞队，晚上九点后停止播放音乐。") { repliedAt } }', { id }, { as: 'wenfeng.officer' })).replyResidentRequest;
    const afterReply = (await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${cbd}.json`)).body[0]!;
    expect(afterReply).toMatchObject({ status: 'open', status_notes: '已回复：已联系广场舞队，晚上九点后停止播放音乐。', updated_datetime: inShanghai(replied.repliedAt) });
    clock.advance(60_000);
    const closed = ok(await hub.gql<{ closeResidentRequest: { closedAt: string } }>('mutation($id: ID!) { closeResidentRequest(id: $id) { closedAt } }', { id }, { as: 'wenfeng.officer' })).closeResidentRequest;
    const afterClose = (await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${cbd}.json`)).body[0]!;
    expect(afterClose).toEqual(publicView(await node('wenfeng.officer', cbd), cbd));
    expect(afterClose).toMatchObject({ status: 'closed', status_notes: '已办结：已联系广场舞队，晚上九点后停止播放音乐。', updated_datetime: inShanghai(closed.closedAt) });
    expect((await open311(hub, 'GET', '/requests.json', { as: 'wenfeng.officer', query: { status: 'open' } })).body).toEqual([]);
  });

  it('closed requests (seeded): closed, 已办结 and the public reply, for the resident as well', async () => {
    const closed = (await graphql('shuguang.officer', { statuses: ['CLOSED'] }))[0]!;
    expect(closed.reply).not.toBeNull();
    const resident = (await open311<Record<string, unknown>[]>(hub, 'GET', `/requests/${closed.trackingCode}.json`)).body[0]!;
    expect(resident).toEqual(publicView(closed));
    expect(resident).toMatchObject({ status: 'closed', status_notes: `已办结：${closed.reply}` });
  });
});

describe('at most 1,000 requests per answer', () => {
  it('with 1,100 more requests in the window, the newest 1,000 of the caller’s scope, in order', async () => {
    const now = clock.now().getTime();
    for (const batch of [0, 1]) {
      const records = Array.from({ length: 550 }, (_, i) => ({
        externalId: `12345-O311-${batch}-${i}`,
        category: 'HELP',
        text: `来电求助 ${batch}-${i}`,
        unitCode: '320613006002',
        submittedAt: new Date(now - (batch * 550 + i + 1) * 60_000).toISOString(),
      }));
      const report = ok(
        await hub.gql<{ ingestResidentRequests: { accepted: number } }>('mutation($input: IngestResidentRequestsInput!) { ingestResidentRequests(input: $input) { accepted } }', { input: { source: '12345-hotline', records } }, { as: '12345-hotline' }),
      );
      expect(report.ingestResidentRequests.accepted).toBe(550);
    }
    const before = await writes(hub);
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer' });
    expect(response.body).toHaveLength(1000);
    const expected = (await graphql('xuetian.officer')).slice(0, 1000).map((n) => n.id);
    expect(response.body.map((r) => r['service_request_id'])).toEqual(expected);
    expect(await writes(hub)).toEqual(before);
  });
});
