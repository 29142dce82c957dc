import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { residentRequests } from '../../src/modules/requests/index.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { LIST, REVOKE_CHANNEL, createChannelOk, ok } from '../requests/fixtures.js';
import { SPEC, TRACKING_CODE, faults, open311, writes } from './fixtures.js';

/**
 * The Open311 face of the resident loop, part one: the services, and filing a request with a
 * community channel's token as the api_key. A filed request is the same request the submit
 * page makes (checked through GraphQL as staff see it); a refused one writes nothing.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

const SHUGUANG = '320613006001';
const HAZARD_NOTICE = '社区会尽快核查处置。正在发生的火情、燃气泄漏等险情请立即拨打119或110，本渠道不能代替报警。';

/** The request with this tracking code as 曙光社区's officer reads it through GraphQL. */
async function asCommunityReads(trackingCode: string): Promise<Record<string, unknown>> {
  const page = ok(await hub.gql<{ residentRequests: { edges: { node: Record<string, unknown> }[] } }>(LIST, { first: 100 }, { as: 'shuguang.officer' }));
  const node = page.residentRequests.edges.map((e) => e.node).find((n) => n['trackingCode'] === trackingCode);
  expect(node, trackingCode).toBeDefined();
  return node!;
}

describe('GET /services.json and /services/{code}.json', () => {
  const SERVICES = [
    { service_code: 'suggestion', service_name: '建议' },
    { service_code: 'complaint', service_name: '投诉' },
    { service_code: 'help', service_name: '求助' },
    { service_code: 'hazard', service_name: '隐患上报' },
  ];

  it('lists the four request categories as services, with the spec’s keys and types', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'GET', '/services.json');
    expect(response.status).toBe(200);
    expect(response.body.map((s) => ({ service_code: s['service_code'], service_name: s['service_name'] }))).toEqual(SERVICES);
    for (const service of response.body) {
      expect(Object.keys(service)).toEqual([...SPEC.service]);
      expect(service).toMatchObject({ metadata: false, type: 'realtime' });
      for (const key of ['service_code', 'service_name', 'description', 'keywords', 'group']) expect(typeof service[key], key).toBe('string');
      expect(service['description']).not.toBe('');
      expect(String(service['keywords']).split(',').length).toBeGreaterThan(1);
    }
  });

  it('jurisdiction_id: any community gets the same list; a code that names none is 404, a malformed one 400', async () => {
    const all = (await open311(hub, 'GET', '/services.json')).body;
    for (const community of [SHUGUANG, '320613008001']) {
      const response = await open311(hub, 'GET', '/services.json', { query: { jurisdiction_id: community } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(all);
    }
    expect(faults(await open311(hub, 'GET', '/services.json', { query: { jurisdiction_id: '320613006999' } }), 404)).toEqual([
      { code: 404, description: 'jurisdiction_id 320613006999 was not found: it names no community of this hub' },
    ]);
    // A street is no jurisdiction here: requests go to communities.
    expect(faults(await open311(hub, 'GET', '/services.json', { query: { jurisdiction_id: '320613006' } }), 400)).toEqual([
      { code: 400, description: 'jurisdiction_id 320613006 is not a community code (12 digits)' },
    ]);
  });

  it('a service definition has no attributes; an unknown code (or one in capitals) is 404', async () => {
    for (const { service_code } of SERVICES) {
      const response = await open311(hub, 'GET', `/services/${service_code}.json`);
      expect(response.status).toBe(200);
      expect(Object.keys(response.body)).toEqual([...SPEC.definition]);
      expect(response.body).toEqual({ service_code, attributes: [] });
    }
    for (const code of ['pothole', 'HAZARD']) {
      expect(faults(await open311(hub, 'GET', `/services/${code}.json`), 404)).toEqual([
        { code: 404, description: `service_code ${code} was not found; the services are suggestion, complaint, help, hazard` },
      ]);
    }
  });

  it('a format other than .xml and .json is 400 saying so; a path this API does not serve is 404, in the same shape', async () => {
    for (const path of ['/services.txt', '/services/hazard.html', '/requests.csv', '/requests/ABCDEFGHJKMN.yaml']) {
      const ext = path.split('.').pop();
      expect(faults(await open311(hub, 'GET', path), 400)).toEqual([{ code: 400, description: `Ask for .xml or .json, not .${ext}` }]);
    }
    expect(faults(await open311(hub, 'POST', '/requests.txt', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'help', description: '求助' } }), 400)).toHaveLength(1);
    const unknown = faults(await open311(hub, 'GET', '/services'), 404);
    expect(unknown[0]!.description).toMatch(/^No such resource: GET \/open311\/v2\/services\. This API serves GET discovery/);
    expect(faults(await open311(hub, 'DELETE', '/requests.json'), 404)).toHaveLength(1);
  });
});

describe('POST /requests.json', () => {
  it('files a request from a form (as the spec sends it): the answer per spec, the request as stored, the audit entry by the resident', async () => {
    const before = await writes(hub);
    const response = await open311<Record<string, unknown>[]>(hub, 'POST', '/requests.json', {
      form: {
        api_key: DEMO_CHANNEL_TOKEN,
        jurisdiction_id: SHUGUANG,
        service_code: 'hazard',
        description: '12幢二单元楼道堆满杂物，堵住了消防通道。',
        lat: '32.0151',
        long: '120.8652',
        address_string: '曙光示例小区12幢2单元401室',
        media_url: 'https://example.org/p/12-2.jpg',
        first_name: '三',
        last_name: '张',
        phone: '138 0000-1234',
        email: 'zhangsan@example.org',
        device_id: 'device-1',
        account_id: 'account-1',
      },
    });
    expect(response.status).toBe(201);
    expect(response.body).toHaveLength(1);
    const [created] = response.body;
    expect(Object.keys(created!)).toEqual([...SPEC.created]);
    expect(created!['service_request_id']).toMatch(TRACKING_CODE);
    // The email is not kept, and the answer says so.
    expect(created).toEqual({ service_request_id: created!['service_request_id'], service_notice: `${HAZARD_NOTICE}本平台不保存电子邮箱，也不发送邮件通知。`, account_id: null });
    expect(await writes(hub)).toEqual({ requests: before.requests + 1, submissions: before.submissions + 1 });

    const code = created!['service_request_id'] as string;
    expect(await asCommunityReads(code)).toMatchObject({
      category: 'HAZARD',
      text: '12幢二单元楼道堆满杂物，堵住了消防通道。',
      photoUrl: 'https://example.org/p/12-2.jpg',
      location: { lat: 32.0151, lng: 120.8652 },
      address: '曙光示例小区12幢2单元401室',
      contactName: '张三',
      contactPhone: '13800001234',
      status: 'SUBMITTED',
      unit: { code: SHUGUANG, name: '曙光社区' },
    });
    const [row] = await hub.database.db.select().from(residentRequests).where(eq(residentRequests.trackingCode, code));
    expect(JSON.stringify(row)).not.toContain('zhangsan@example.org');
    expect(JSON.stringify(row)).not.toContain('device-1');
    const entries = await hub.database.db.select().from(auditLog).where(sql`${row!.id} = any(${auditLog.recordIds}) and ${auditLog.operation} = 'submitResidentRequest'`);
    expect(entries.map((e) => ({ actor: e.actor, actorKind: e.actorKind, unitCode: e.unitCode, outcome: e.outcome, details: e.details }))).toEqual([
      { actor: `channel:${row!.channelId}`, actorKind: 'RESIDENT', unitCode: SHUGUANG, outcome: 'ALLOWED', details: { category: 'HAZARD', channelId: row!.channelId, held: false } },
    ]);
    expect(JSON.stringify(entries)).not.toContain(DEMO_CHANNEL_TOKEN);
  });

  it('takes a JSON body and the key in X-Api-Key too; Latin names keep their order; without an email the notice is the service’s', async () => {
    const response = await open311<Record<string, unknown>[]>(hub, 'POST', '/requests.json', {
      headers: { 'x-api-key': DEMO_CHANNEL_TOKEN },
      json: { service_code: 'suggestion', description: '建议周末开放活动室', lat: 32.0151, long: 120.8652, first_name: 'Ada', last_name: 'Lovelace' },
    });
    expect(response.status).toBe(201);
    expect(response.body[0]!['service_notice']).toBe('社区工作人员会阅读并在平台上答复，请凭受理编号查询进度。');
    expect(await asCommunityReads(response.body[0]!['service_request_id'] as string)).toMatchObject({
      category: 'SUGGESTION',
      location: { lat: 32.0151, lng: 120.8652 },
      contactName: 'Ada Lovelace',
      contactPhone: null,
      address: null,
    });
  });

  it('the request goes to the key’s community: a 文峰 channel’s key files at 文峰, whatever the caller sends as a bearer', async () => {
    const { token } = await createChannelOk(hub, '320613008001', '中央商务区社区居民服务码');
    const response = await open311<Record<string, unknown>[]>(hub, 'POST', '/requests.json', { form: { api_key: token, service_code: 'complaint', description: '广场舞音乐太吵' }, as: 'shuguang.officer' });
    expect(response.status).toBe(201);
    const code = response.body[0]!['service_request_id'] as string;
    const [row] = await hub.database.db.select({ unitCode: residentRequests.unitCode }).from(residentRequests).where(eq(residentRequests.trackingCode, code));
    expect(row).toEqual({ unitCode: '320613008001' });
  });

  describe('refused: the answer names every parameter at fault, and nothing is written', () => {
    let before: { requests: number; submissions: number };
    beforeEach(async () => {
      before = await writes(hub);
    });
    afterEach(async () => {
      expect(await writes(hub)).toEqual(before);
    });
    const post = (form: Record<string, string | string[]>, extra: { headers?: Record<string, string>; as?: string } = {}) => open311(hub, 'POST', '/requests.json', { form, ...extra });
    const valid = { service_code: 'help', description: '水管漏水，请帮忙联系维修' };

    it('no api_key, an unknown one, one replaced by a rotation or revoked: 403', async () => {
      expect(faults(await post(valid), 403)).toEqual([{ code: 403, description: "api_key is required: the channel token in the community's QR code" }]);
      const unknown = faults(await post({ ...valid, api_key: 'ghc_' + 'A'.repeat(43) }), 403);
      expect(unknown).toEqual([{ code: 403, description: expect.stringMatching(/^api_key rejected: Channel token not recognised/) }]);
      expect(faults(await post({ ...valid, api_key: 'not-a-token' }), 403)).toEqual(unknown);

      const { token, channel } = await createChannelOk(hub, '320613006002', '临时居民服务码');
      ok(await hub.gql(REVOKE_CHANNEL, { id: channel.id }, { as: 'city.admin' }));
      expect(faults(await post({ ...valid, api_key: token }), 403)).toEqual([{ code: 403, description: 'api_key rejected: Channel token revoked: this community channel is closed' }]);
    });

    it('two different keys (parameter and header) are refused rather than one picked', async () => {
      const { token } = await createChannelOk(hub, '320613006003', '另一个居民服务码');
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN }, { headers: { 'x-api-key': token } }), 400)).toEqual([
        { code: 400, description: 'api_key given more than once, with different values' },
      ]);
    });

    it('jurisdiction_id must be the key’s community: another one is 403, an unknown one 404', async () => {
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, jurisdiction_id: '320613006002' }), 403)).toEqual([
        { code: 403, description: 'jurisdiction_id 320613006002 is not the community of this api_key (曙光社区, 320613006001)' },
      ]);
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, jurisdiction_id: '320613006999' }), 404)).toEqual([
        { code: 404, description: 'jurisdiction_id 320613006999 was not found: it names no community of this hub' },
      ]);
    });

    it('service_code missing is 400, unknown is 404', async () => {
      expect(faults(await post({ api_key: DEMO_CHANNEL_TOKEN, description: 'x' }), 400)).toEqual([
        { code: 400, description: 'service_code is required: one of suggestion, complaint, help, hazard' },
      ]);
      expect(faults(await post({ api_key: DEMO_CHANNEL_TOKEN, service_code: 'pothole', description: 'x' }), 404)).toEqual([
        { code: 404, description: 'service_code pothole was not found; the services are suggestion, complaint, help, hazard' },
      ]);
    });

    it('every field at fault at once, each under its Open311 parameter name', async () => {
      const response = await post({
        api_key: DEMO_CHANNEL_TOKEN,
        service_code: 'hazard',
        description: '   ',
        lat: '32.01',
        long: 'east',
        media_url: 'ftp://example.org/p.jpg',
        address_string: '址'.repeat(201),
        first_name: '名'.repeat(51),
        phone: '12',
      });
      expect(faults(response, 400)).toEqual([
        { code: 400, description: 'long must be a decimal number (WGS-84 degrees)' },
        { code: 400, description: 'description must not be empty' },
        { code: 400, description: 'media_url must be an http:// or https:// link' },
        { code: 400, description: 'address_string is longer than 200 characters' },
        { code: 400, description: 'first_name/last_name is longer than 50 characters' },
        { code: 400, description: 'phone must be 5 to 20 digits (a leading + is allowed)' },
      ]);
    });

    it('coordinates: out of range, one without the other, a parameter given twice; faults of different statuses answer 400', async () => {
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, lat: '91', long: '-181' }), 400)).toEqual([
        { code: 400, description: 'lat must be within -90..90' },
        { code: 400, description: 'long must be within -180..180' },
      ]);
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, lat: '32.01' }), 400)).toEqual([{ code: 400, description: 'long is required with lat' }]);
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, long: '120.8' }), 400)).toEqual([{ code: 400, description: 'lat is required with long' }]);
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, description: ['一', '二'] }), 400)).toEqual([
        { code: 400, description: 'description must be given once, as text' },
      ]);
      expect(faults(await post({ api_key: DEMO_CHANNEL_TOKEN, service_code: 'pothole', description: 'x'.repeat(2001) }), 400)).toEqual([
        { code: 404, description: 'service_code pothole was not found; the services are suggestion, complaint, help, hazard' },
        { code: 400, description: 'description is longer than 2000 characters' },
      ]);
    });

    it('bodies: too large 413, broken JSON 400, another content type 415, a bad bearer 401', async () => {
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN, description: 'x'.repeat(70_000) }), 413)).toEqual([{ code: 413, description: 'The body is larger than 64kb' }]);
      expect(faults(await open311(hub, 'POST', '/requests.json', { raw: { type: 'application/json', body: '{"service_code": "help",' } }), 400)).toEqual([
        { code: 400, description: 'The body is not a JSON object' },
      ]);
      expect(faults(await open311(hub, 'POST', '/requests.json', { raw: { type: 'text/plain', body: 'service_code=help' } }), 415)).toEqual([
        { code: 415, description: 'Send the parameters as application/x-www-form-urlencoded (or application/json)' },
      ]);
      expect(faults(await post({ ...valid, api_key: DEMO_CHANNEL_TOKEN }, { headers: { authorization: 'Bearer forged' } }), 401)).toHaveLength(1);
    });
  });
});
