import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { departments, principals } from '../../src/modules/principals/index.js';
import { LIST, MISSING_ID, ONE, createChannelOk, maskedCode, ok, onlyError, requestIdOf, submitOk, type ErrorBody } from './fixtures.js';

/**
 * Staff read resident requests exactly like alerts: within their unit (data officers: their
 * department's domain within its jurisdiction), filtered in SQL, NOT_FOUND outside. Contact
 * data is in full only at the community that owns the request; everyone else sees it masked,
 * and `maskedFields` says so.
 */

interface Node {
  id: string;
  trackingCode: string;
  category: string;
  status: string;
  submittedAt: string;
  address: string | null;
  contactName: string | null;
  contactPhone: string | null;
  maskedFields: string[];
  unit: { code: string; name: string };
  [field: string]: unknown;
}
interface Page {
  totalCount: number;
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let hub: TestHub;
/** The request every test looks at: sent through 曙光社区's channel. */
let mine: Node;
/** One sent through a 文峰 community's channel. */
let cbd: Node;
let city: Node[];
/** Its tracking code, which only the community sees in full. */
let code: string;

const CONTACT = { address: '崇川区曙光新村12幢3单元401室', contactName: '张三', contactPhone: '13812341234' };
const MASKED = { address: '崇川区曙光新村12幢****', contactName: '张*', contactPhone: '138****1234', maskedFields: ['address', 'contactName', 'contactPhone'] };
const PATHS = {
  city: '320600',
  chongchuan: '320600.320613',
  xuetian: '320600.320613.320613006',
  wenfeng: '320600.320613.320613008',
  shuguang: '320600.320613.320613006.320613006001',
  hujing: '320600.320613.320613006.320613006001.320613006001001',
};

/** Every request `as` may read (all pages), and the totalCount it was told. */
async function readAll(as: string, filter: Record<string, unknown> = {}, first = 100): Promise<{ nodes: Node[]; totalCount: number; pages: number }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  let totalCount = -1;
  let pages = 0;
  for (;;) {
    const response: GqlResponse<{ residentRequests: Page }> = await hub.gql<{ residentRequests: Page }>(LIST, { filter, first, after }, { as });
    const page: Page = ok(response).residentRequests;
    pages++;
    totalCount = page.totalCount;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { nodes, totalCount, pages };
}

async function one(id: string, as: string): Promise<GqlResponse<{ residentRequest: Node }>> {
  return hub.gql<{ residentRequest: Node }>(ONE, { id }, { as });
}

const unitPath = (n: Node) => `${n.unit.code.startsWith('320613006') ? PATHS.xuetian : n.unit.code.startsWith('320613008') ? PATHS.wenfeng : '?'}.${n.unit.code}`;
const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);

beforeAll(async () => {
  hub = await createTestHub();
  const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'COMPLAINT', text: '楼下餐馆油烟扰民', ...CONTACT });
  const { token } = await createChannelOk(hub, '320613008001', '中央商务区社区居民服务码');
  const other = await submitOk(hub, token, { category: 'HAZARD', text: '井盖松动', contactName: '欧阳小明', contactPhone: '13900001111', address: '文峰示例小区8栋1单元' });
  city = (await readAll('city.admin')).nodes;
  code = receipt.trackingCode;
  const [mineId, cbdId] = [await requestIdOf(hub, receipt.trackingCode), await requestIdOf(hub, other.trackingCode)];
  mine = city.find((n) => n.id === mineId)!;
  cbd = city.find((n) => n.id === cbdId)!;
});
afterAll(() => hub?.close());

describe('what each tier sees of one request sent to 曙光社区', () => {
  /** Everything but the personal fields, as every reader sees it (the tracking code masked above the community). */
  const stored = (trackingCode = maskedCode(code)) => ({
    id: mine.id,
    trackingCode,
    category: 'COMPLAINT',
    text: '楼下餐馆油烟扰民',
    photoUrl: null,
    location: null,
    status: 'SUBMITTED',
    reply: null,
    repliedAt: null,
    satisfaction: null,
    submittedAt: mine.submittedAt,
    closedAt: null,
    unit: { code: '320613006001', name: '曙光社区' },
  });

  it('shuguang.officer (the community) sees the contact in full', async () => {
    const { residentRequest } = ok(await one(mine.id, 'shuguang.officer'));
    expect(residentRequest).toEqual({ ...stored(code), ...CONTACT, maskedFields: [] });
  });

  it.each(['xuetian.officer', 'chongchuan.officer', 'city.admin'])('%s (above the community) sees it masked, and maskedFields lists the fields', async (as) => {
    const { residentRequest } = ok(await one(mine.id, as));
    expect(residentRequest).toEqual({ ...stored(), ...MASKED });
  });

  it('in lists too: the street sees every request of its communities masked, the community its own in full', async () => {
    const street = await readAll('xuetian.officer');
    for (const node of street.nodes) {
      expect(node.maskedFields).toEqual(['address', 'contactName', 'contactPhone'].filter((f) => node[f] !== null));
      if (node.contactPhone !== null) expect(node.contactPhone).toMatch(/^138\*{4}\d{4}$/);
      if (node.contactName !== null) expect(node.contactName).toMatch(/^.\*+$/u);
      // The tracking code lets its holder read the reply and rate: above the community, only its last four characters.
      expect(node.trackingCode).toMatch(/^\*{8}[2-9A-Z]{4}$/);
    }
    const masked = street.nodes.find((n) => n.id === mine.id)!;
    expect({ address: masked.address, contactName: masked.contactName, contactPhone: masked.contactPhone, maskedFields: masked.maskedFields }).toEqual(MASKED);
    const community = await readAll('shuguang.officer');
    for (const node of community.nodes) {
      expect(node.maskedFields).toEqual([]);
      expect(node.trackingCode).toMatch(/^[2-9A-Z]{12}$/);
    }
    expect(community.nodes.find((n) => n.id === mine.id)).toMatchObject(CONTACT);
  });

  it('wenfeng.officer (another street) does not see it: NOT_FOUND exactly like a random id, absent from its list', async () => {
    const hidden = onlyError(await one(mine.id, 'wenfeng.officer'), 'residentRequest');
    const missing = onlyError(await one(MISSING_ID, 'wenfeng.officer'), 'residentRequest');
    const sameShape = (e: ErrorBody, id: string) => ({ ...e, message: e.message.replace(id, '<id>'), extensions: { ...e.extensions, key: '<id>' } });
    expect(sameShape(hidden, mine.id)).toEqual(sameShape(missing, MISSING_ID));
    expect(hidden.extensions).toEqual({ code: 'NOT_FOUND', what: 'ResidentRequest', key: mine.id });
    const list = await readAll('wenfeng.officer');
    expect(list.nodes.map((n) => n.id)).toEqual([cbd.id]);
    expect(list.totalCount).toBe(1);
    // Asking for 学田 explicitly narrows to nothing, never widens.
    expect(await readAll('wenfeng.officer', { unitCode: '320613006' })).toEqual({ nodes: [], totalCount: 0, pages: 1 });
  });

  it('hujing.grid (a grid of 曙光) reads none: requests are placed at the community, not in a grid', async () => {
    expect(await readAll('hujing.grid')).toEqual({ nodes: [], totalCount: 0, pages: 1 });
    const error = onlyError(await one(mine.id, 'hujing.grid'), 'residentRequest');
    expect(error.extensions?.['code']).toBe('NOT_FOUND');
  });

  it.each(['city.auditor', 'iot-platform', 'fire.officer'])('%s may read no resident request: FORBIDDEN, for the list and by id', async (as) => {
    const forbidden = { code: 'FORBIDDEN', action: 'read', subject: 'ResidentRequest' };
    expect(onlyError(await hub.gql(LIST, {}, { as }), 'residentRequests').extensions).toEqual(forbidden);
    expect(onlyError(await one(mine.id, as), 'residentRequest').extensions).toEqual(forbidden);
  });
});

describe('scope: every principal reads the city view restricted to its scope, and totalCount agrees', () => {
  it('the city view holds the 30 seeded requests of 学田 and the two sent here, newest first', () => {
    expect(city.length).toBe(32);
    const times = city.map((n) => Date.parse(n.submittedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(city.map((n) => n.unit.code))).toEqual(new Set(['320613006001', '320613006002', '320613006003', '320613008001']));
  });

  it.each([
    ['city.admin', PATHS.city],
    ['chongchuan.officer', PATHS.chongchuan],
    ['xuetian.officer', PATHS.xuetian],
    ['wenfeng.officer', PATHS.wenfeng],
    ['shuguang.officer', PATHS.shuguang],
    ['hujing.grid', PATHS.hujing],
  ])('%s', async (as, root) => {
    const { nodes, totalCount } = await readAll(as, {}, 7);
    const expected = city.filter((n) => within(unitPath(n), root)).map((n) => n.id);
    expect(nodes.map((n) => n.id)).toEqual(expected);
    expect(totalCount).toBe(expected.length);
  });

  it('filters narrow within the scope: unit, categories, statuses, from/to', async () => {
    const expectIds = async (as: string, filter: Record<string, unknown>, keep: (n: Node) => boolean) => {
      const { nodes, totalCount } = await readAll(as, filter);
      const expected = city.filter((n) => within(unitPath(n), PATHS.xuetian) && keep(n)).map((n) => n.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(nodes.map((n) => n.id)).toEqual(expected);
      expect(totalCount).toBe(expected.length);
    };
    await expectIds('xuetian.officer', { unitCode: '320613006002' }, (n) => n.unit.code === '320613006002');
    await expectIds('xuetian.officer', { categories: ['HAZARD', 'HELP'] }, (n) => n.category === 'HAZARD' || n.category === 'HELP');
    await expectIds('xuetian.officer', { statuses: ['REPLIED', 'CLOSED'] }, (n) => n.status === 'REPLIED' || n.status === 'CLOSED');
    const middle = city[Math.floor(city.length / 2)]!.submittedAt;
    await expectIds('xuetian.officer', { from: middle }, (n) => Date.parse(n.submittedAt) >= Date.parse(middle));
    await expectIds('xuetian.officer', { to: middle }, (n) => Date.parse(n.submittedAt) < Date.parse(middle));
  });

  it('an unknown filter unit is NOT_FOUND; a foreign cursor and first out of range are BAD_USER_INPUT', async () => {
    expect(onlyError(await hub.gql(LIST, { filter: { unitCode: '999999' } }, { as: 'xuetian.officer' }), 'residentRequests').extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(onlyError(await hub.gql(LIST, { after: 'bm9wZQ' }, { as: 'xuetian.officer' }), 'residentRequests').extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(onlyError(await hub.gql(LIST, { first: 101 }, { as: 'xuetian.officer' }), 'residentRequests').extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('a data officer whose department owns some categories of ResidentRequest', () => {
  beforeAll(async () => {
    await hub.database.db.insert(departments).values({
      code: 'hotline-12345',
      name: '崇川区12345热线',
      jurisdictionCode: '320613',
      domains: [{ kind: 'ResidentRequest', types: ['COMPLAINT', 'HAZARD'] }],
    });
    await hub.database.db.insert(principals).values({ name: 'hotline.officer', displayName: '12345热线数据专员', kind: 'PERSON', roles: ['DATA_OFFICER'], unitCode: '320613', departmentCode: 'hotline-12345' });
  });

  it('reads exactly those categories within the jurisdiction, masked', async () => {
    const { nodes, totalCount } = await readAll('hotline.officer', {}, 10);
    const expected = city.filter((n) => n.category === 'COMPLAINT' || n.category === 'HAZARD');
    expect(nodes.map((n) => n.id)).toEqual(expected.map((n) => n.id));
    expect(totalCount).toBe(expected.length);
    expect(nodes.find((n) => n.id === mine.id)).toMatchObject(MASKED);
    const help = city.find((n) => n.category === 'HELP')!;
    expect(onlyError(await one(help.id, 'hotline.officer'), 'residentRequest').extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});
