import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';
import { open311 } from '../open311/fixtures.js';
import { tables } from '../../src/tables.js';
import { coarsenPoint, maskFreeText, maskPayload, personalKeySet } from '../../src/platform/privacy/free-text.js';

const { devices } = tables;

/**
 * Personal data where no personal field names it — a phone and an ID number in an alert's
 * payload, a phone typed into a request's text or a case's description, the exact position of
 * an elderly resident's alarm or a resident's request — is masked above the community through
 * every output path: queries, subscriptions and Open311. The community itself still sees it
 * in full.
 */
const SHUGUANG = '320613006001';
const HUJING = '320613006001001';
const PHONE = '13912349363';
const ID_NUMBER = '32061319350512123X';
const EXACT = { lat: 32.014567, lng: 120.864321 };
const COARSE = { lat: 32.015, lng: 120.864 };

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

let sequence = 0;
async function raise(type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const record = { externalId: `hidden-${Date.now()}-${sequence++}`, type, severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: HUJING, payload, ...extra };
  const { body } = await hub.gql<any>('mutation I($input: IngestAlertsInput!) { ingestAlerts(input: $input) { results { status id: recordId } } }', { input: { source: 'iot-platform', records: [record] } }, { as: 'iot-platform' });
  expect(body.data.ingestAlerts.results[0].status).toBe('ACCEPTED');
  return body.data.ingestAlerts.results[0].id;
}

describe('the masking of free text, payloads and positions', () => {
  it('masks phone and ID numbers wherever they stand in a text, and nothing else', () => {
    expect(maskFreeText(`王先生电话${PHONE}，身份证${ID_NUMBER}，座机0513-85123456，门牌12号`)).toBe('王先生电话139****9363，身份证320613********123X，座机051*****3456，门牌12号');
    expect(maskFreeText('call 139 1234 9363 or +86-139-1234-9363')).toBe('call 139****9363 or 139****9363');
    expect(maskFreeText('订单号 20261207000012345678 共 3 件')).toBe('订单号 20261207000012345678 共 3 件');
  });

  it('masks a payload’s declared personal keys at any depth, and numbers in its other strings', () => {
    const keys = personalKeySet(['holderName', 'phone', 'idNumber']);
    expect(maskPayload({ holder_name: '张三', contact: { Phone: PHONE, note: `转${PHONE}` }, idNumber: ID_NUMBER, battery: 87, list: [{ phone: 13900000000 }] }, keys)).toEqual({
      holder_name: '张*',
      contact: { Phone: '139****9363', note: '转139****9363' },
      idNumber: '320613********123X',
      battery: 87,
      list: [{ phone: '****' }],
    });
  });

  it('coarsens a point to 3 decimals (about 100 m)', () => {
    expect(coarsenPoint(EXACT)).toEqual(COARSE);
  });
});

describe('alert payloads', () => {
  const PAYLOAD = { elderName: '王奶奶', guardianPhone: PHONE, idNumber: ID_NUMBER, note: `请联系${PHONE}`, battery: 80 };
  const MASKED = { elderName: '王**', guardianPhone: '139****9363', idNumber: '320613********123X', note: '请联系139****9363', battery: 80 };
  const ONE = 'query($id: ID!) { alert(id: $id) { payload location { lat lng } } }';

  it('queries: masked for city.admin and the street, in full for the community and its grid', async () => {
    const id = await raise('ELDERLY_ALARM', PAYLOAD, { location: EXACT });
    for (const as of ['city.admin', 'chongchuan.officer', 'xuetian.officer']) {
      const { body } = await hub.gql<any>(ONE, { id }, { as });
      expect(body.data.alert, as).toEqual({ payload: MASKED, location: COARSE });
    }
    for (const as of ['shuguang.officer', 'hujing.grid']) {
      const { body } = await hub.gql<any>(ONE, { id }, { as });
      expect(body.data.alert, as).toEqual({ payload: PAYLOAD, location: EXACT });
    }
  });

  it('subscriptions: a street subscriber hears the alert with its payload masked; the community in full', async () => {
    const query = 'subscription { alertRaised { externalId payload location { lat lng } } }';
    const street = await subscribe<any>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, query);
    const community = await subscribe<any>(hub.wsUrl, `Bearer ${await hub.token('shuguang.officer')}`, query);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await raise('ELDERLY_ALARM', PAYLOAD, { location: EXACT });
    const [heard] = await street.waitFor(1);
    const [full] = await community.waitFor(1);
    expect([heard.payload, heard.location]).toEqual([MASKED, COARSE]);
    expect([full.payload, full.location]).toEqual([PAYLOAD, EXACT]);
    await street.close();
    await community.close();
  });

  it('a smoke alarm keeps its exact position (not about a person); a phone in its payload is still masked above the community', async () => {
    const id = await raise('SMOKE', { reading: 0.42, message: `值班电话 ${PHONE}` }, { location: EXACT });
    const { body } = await hub.gql<any>(ONE, { id }, { as: 'xuetian.officer' });
    expect(body.data.alert).toEqual({ payload: { reading: 0.42, message: '值班电话 139****9363' }, location: EXACT });
  });
});

describe('elderly alarm buttons', () => {
  it('their position is coarsened above the community, exact at it', async () => {
    const [button] = await hub.database.db.select({ id: devices.id }).from(devices).where(and(eq(devices.type, 'ELDERLY_ALARM_BUTTON'), eq(devices.communityCode, SHUGUANG))).limit(1);
    await hub.database.db.update(devices).set({ lat: EXACT.lat, lng: EXACT.lng }).where(eq(devices.id, button!.id));
    const ONE = 'query($id: ID!) { device(id: $id) { location { lat lng } } }';
    const district = await hub.gql<any>(ONE, { id: button!.id }, { as: 'chongchuan.officer' });
    expect(district.body.data.device.location).toEqual(COARSE);
    const community = await hub.gql<any>(ONE, { id: button!.id }, { as: 'shuguang.officer' });
    expect(community.body.data.device.location).toEqual(EXACT);
  });
});

describe('resident requests and cases', () => {
  let requestId: string;
  const TEXT = `楼道堆物，请回电${PHONE}`;
  const MASKED_TEXT = '楼道堆物，请回电139****9363';

  beforeAll(async () => {
    const { body } = await hub.gql<any>(
      'mutation I($input: IngestResidentRequestsInput!) { ingestResidentRequests(input: $input) { results { status id: recordId } } }',
      { input: { source: '12345-hotline', records: [{ externalId: `hidden-${Date.now()}`, category: 'COMPLAINT', text: TEXT, unitCode: SHUGUANG, submittedAt: new Date().toISOString(), location: EXACT }] } },
      { as: '12345-hotline' },
    );
    expect(body.data.ingestResidentRequests.results[0].status).toBe('ACCEPTED');
    requestId = body.data.ingestResidentRequests.results[0].id;
  });

  it('queries: the street sees the text with the phone masked and the place coarsened; the community in full', async () => {
    const ONE = 'query($id: ID!) { residentRequest(id: $id) { text location { lat lng } } }';
    expect((await hub.gql<any>(ONE, { id: requestId }, { as: 'xuetian.officer' })).body.data.residentRequest).toEqual({ text: MASKED_TEXT, location: COARSE });
    expect((await hub.gql<any>(ONE, { id: requestId }, { as: 'shuguang.officer' })).body.data.residentRequest).toEqual({ text: TEXT, location: EXACT });
  });

  it('Open311 (staff view): the same masking', async () => {
    const street = await open311<any[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer', query: { service_request_id: await trackingCode() } });
    expect(street.body.map((r) => [r.description, r.lat, r.long])).toEqual([[MASKED_TEXT, COARSE.lat, COARSE.lng]]);
    const community = await open311<any[]>(hub, 'GET', '/requests.json', { as: 'shuguang.officer', query: { service_request_id: await trackingCode() } });
    expect(community.body.map((r) => [r.description, r.lat, r.long])).toEqual([[TEXT, EXACT.lat, EXACT.lng]]);
  });

  it('a case opened from it: title and description masked, its place coarsened above the community', async () => {
    const opened = await hub.gql<any>('mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }', { input: { requestId } }, { as: 'shuguang.officer' });
    const id = opened.body.data.openCase.id;
    await hub.database.db.update(tables.cases).set({ description: `现场联系人 ${PHONE}` }).where(eq(tables.cases.id, id));
    const ONE = 'query($id: ID!) { case(id: $id) { description location { lat lng } } }';
    expect((await hub.gql<any>(ONE, { id }, { as: 'xuetian.officer' })).body.data.case).toEqual({ description: '现场联系人 139****9363', location: COARSE });
    expect((await hub.gql<any>(ONE, { id }, { as: 'shuguang.officer' })).body.data.case).toEqual({ description: `现场联系人 ${PHONE}`, location: EXACT });
  });

  async function trackingCode(): Promise<string> {
    const { body } = await hub.gql<any>('query($id: ID!) { residentRequest(id: $id) { trackingCode } }', { id: requestId }, { as: 'shuguang.officer' });
    return body.data.residentRequest.trackingCode;
  }
});

describe('staff free text: a reply to the resident and a note in a case history', () => {
  const REPLY = `已安排网格员上门，可拨打${PHONE}`;
  const MASKED_REPLY = '已安排网格员上门，可拨打139****9363';
  const NOTE = `联系人身份证${ID_NUMBER}，电话${PHONE}`;
  const MASKED_NOTE = '联系人身份证320613********123X，电话139****9363';
  let requestId: string;
  let code: string;

  beforeAll(async () => {
    const { body } = await hub.gql<any>(
      'mutation I($input: IngestResidentRequestsInput!) { ingestResidentRequests(input: $input) { results { status id: recordId } } }',
      { input: { source: '12345-hotline', records: [{ externalId: `hidden-staff-${Date.now()}`, category: 'HELP', text: '楼道灯坏了', unitCode: SHUGUANG, submittedAt: new Date().toISOString() }] } },
      { as: '12345-hotline' },
    );
    requestId = body.data.ingestResidentRequests.results[0].id;
    const replied = await hub.gql<any>('mutation($id: ID!, $reply: String!) { replyResidentRequest(id: $id, reply: $reply) { trackingCode reply } }', { id: requestId, reply: REPLY }, { as: 'shuguang.officer' });
    expect(replied.body.data.replyResidentRequest.reply).toBe(REPLY);
    code = replied.body.data.replyResidentRequest.trackingCode;
  });

  it('the reply: masked for the street and the city, in full for the community and for the holder of the tracking code', async () => {
    const ONE = 'query($id: ID!) { residentRequest(id: $id) { reply } }';
    for (const as of ['xuetian.officer', 'city.admin']) expect((await hub.gql<any>(ONE, { id: requestId }, { as })).body.data.residentRequest.reply, as).toBe(MASKED_REPLY);
    expect((await hub.gql<any>(ONE, { id: requestId }, { as: 'shuguang.officer' })).body.data.residentRequest.reply).toBe(REPLY);
    const tracked = await hub.gql<any>('query($code: String!) { residentRequestStatus(trackingCode: $code) { reply } }', { code });
    expect(tracked.body.data.residentRequestStatus.reply).toBe(REPLY);
  });

  it('the reply in Open311: masked in the street’s staff view, in full for the holder, absent from the public listing', async () => {
    const street = await open311<any[]>(hub, 'GET', '/requests.json', { as: 'xuetian.officer', query: { service_request_id: code } });
    expect(street.body.map((r) => r.status_notes)).toEqual([`已回复：${MASKED_REPLY}`]);
    const holder = await open311<any[]>(hub, 'GET', `/requests/${code}.json`);
    expect(holder.body.map((r) => r.status_notes)).toEqual([`已回复：${REPLY}`]);
    const listed = await open311<any[]>(hub, 'GET', '/requests.json', { query: { jurisdiction_id: SHUGUANG } });
    expect(listed.body.find((r) => r.service_request_id === requestId)?.status_notes).toBe('已回复');
    expect(JSON.stringify(listed.body)).not.toContain(PHONE);
  });

  it('a note in the case history: masked for the street, in full for the community, through the list and the single read', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const opened = await hub.gql<any>('mutation($input: OpenCaseInput!) { openCase(input: $input) { id allowedActions } }', { input: { requestId } }, { as: 'shuguang.officer' });
    const { id, allowedActions } = opened.body.data.openCase;
    const action = allowedActions.find((a: string) => a !== 'REJECT' && a !== 'CLOSE') ?? allowedActions[0];
    const moved = await hub.gql<any>('mutation($id: ID!, $action: CaseAction!, $note: String) { transitionCase(id: $id, action: $action, note: $note) { id } }', { id, action, note: NOTE }, { as: 'shuguang.officer' });
    expect(moved.body.errors).toBeUndefined();
    const notes = (c: any) => c.history.map((h: any) => h.note).filter((n: string | null) => n?.includes('联系人'));
    const ONE = 'query($id: ID!) { case(id: $id) { history { note } } }';
    const LIST = 'query($since: DateTime) { cases(first: 100, filter: { receivedFrom: $since }) { edges { node { id history { note } } } } }';
    expect(notes((await hub.gql<any>(ONE, { id }, { as: 'xuetian.officer' })).body.data.case)).toEqual([MASKED_NOTE]);
    expect(notes((await hub.gql<any>(ONE, { id }, { as: 'shuguang.officer' })).body.data.case)).toEqual([NOTE]);
    for (const [as, expected] of [['xuetian.officer', MASKED_NOTE], ['shuguang.officer', NOTE]] as const) {
      const edges = (await hub.gql<any>(LIST, { since }, { as })).body.data.cases.edges;
      const mine = edges.find((e: any) => e.node.id === id);
      expect(mine, as).toBeDefined();
      expect(notes(mine.node), as).toEqual([expected]);
    }
  });
});
