import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { residentRequests } from '../../src/modules/requests/index.js';
import {
  CHANNEL_TOKEN,
  CHANNELS,
  CREATE_CHANNEL,
  ISO_TIME,
  LIST,
  MISSING_ID,
  ONE,
  REVOKE_CHANNEL,
  ROTATE_CHANNEL,
  STATUS,
  TRACKING_CODE,
  createChannelOk,
  ok,
  onlyError,
  requestIdOf,
  submit,
  submitOk,
} from './fixtures.js';

/**
 * The resident's row of the permission table, over HTTP without Authorization: a channel token
 * submits a request to its community, the tracking code shows where it stands (and nothing
 * personal), and nothing else is open to an anonymous caller.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

const SHUGUANG = { code: '320613006001', name: '曙光社区' };
const CBD = { code: '320613008001', name: '中央商务区社区' };

interface Tracked {
  trackingCode: string;
  category: string;
  status: string;
  submittedAt: string;
  reply: string | null;
  repliedAt: string | null;
  unit: { code: string; name: string };
}

async function status(code: string): Promise<Tracked> {
  return ok(await hub.gql<{ residentRequestStatus: Tracked }>(STATUS, { code })).residentRequestStatus;
}

/** The stored request behind a tracking code, as `as` reads it in its list (undefined when it is not there). */
async function asCommunityReads(trackingCode: string, as: string): Promise<Record<string, unknown> | undefined> {
  const id = await requestIdOf(hub, trackingCode);
  const { residentRequests: page } = ok(await hub.gql<{ residentRequests: { edges: { node: Record<string, unknown> }[] } }>(LIST, { first: 100 }, { as }));
  return page.edges.map((e) => e.node).find((n) => n['id'] === id);
}

async function requestCount(): Promise<number> {
  const [row] = await hub.database.db.select({ n: sql<number>`count(*)::int` }).from(residentRequests);
  return row!.n;
}

describe('a resident submits with the channel token, without Authorization', () => {
  it('gets a tracking code; the request is stored as sent, at the channel’s community, with an audit entry by the resident', async () => {
    const input = {
      category: 'HAZARD',
      text: '  3幢楼道里有人给电动车充电。 ',
      photoUrl: 'https://example.org/photo/1.jpg',
      location: { lat: 32.0151, lng: 120.8652 },
      address: '曙光示例小区3幢2单元301室',
      contactName: '张三',
      contactPhone: '138 0000-1234',
    };
    const before = Date.now();
    const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, input);
    expect(receipt).toEqual({ trackingCode: expect.stringMatching(TRACKING_CODE), status: 'SUBMITTED', submittedAt: expect.stringMatching(ISO_TIME) });
    expect(Date.parse(receipt.submittedAt)).toBeGreaterThanOrEqual(before - 1000);

    const stored = await asCommunityReads(receipt.trackingCode, 'shuguang.officer');
    expect(stored).toEqual({
      id: expect.any(String),
      trackingCode: receipt.trackingCode,
      category: 'HAZARD',
      text: '3幢楼道里有人给电动车充电。',
      photoUrl: 'https://example.org/photo/1.jpg',
      location: { lat: 32.0151, lng: 120.8652 },
      address: '曙光示例小区3幢2单元301室',
      contactName: '张三',
      contactPhone: '13800001234',
      maskedFields: [],
      status: 'SUBMITTED',
      reply: null,
      repliedAt: null,
      satisfaction: null,
      submittedAt: receipt.submittedAt,
      closedAt: null,
      unit: SHUGUANG,
    });

    const [row] = await hub.database.db.select().from(residentRequests).where(eq(residentRequests.trackingCode, receipt.trackingCode));
    const entries = await hub.database.db.select().from(auditLog).where(sql`${row!.id} = any(${auditLog.recordIds})`);
    // The community officer's read returned contact data in full: that read is audited too.
    expect(entries.filter((e) => e.operation === 'read').map((e) => [e.actor, e.kind, e.fields])).toEqual([['shuguang.officer', 'ResidentRequest', ['address', 'contactName', 'contactPhone']]]);
    expect(entries.filter((e) => e.operation !== 'read').map((e) => ({ actor: e.actor, actorKind: e.actorKind, unitCode: e.unitCode, operation: e.operation, outcome: e.outcome, kind: e.kind, details: e.details }))).toEqual([
      {
        actor: `channel:${row!.channelId}`,
        actorKind: 'RESIDENT',
        unitCode: SHUGUANG.code,
        operation: 'submitResidentRequest',
        outcome: 'ALLOWED',
        kind: 'ResidentRequest',
        details: { category: 'HAZARD', channelId: row!.channelId, held: false },
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain(DEMO_CHANNEL_TOKEN);
  });

  it('a minimal request (category and text) is enough; tracking codes differ', async () => {
    const a = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'SUGGESTION', text: '建议增加楼道照明' });
    const b = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'SUGGESTION', text: '建议增加楼道照明' });
    expect(a.trackingCode).not.toBe(b.trackingCode);
    const stored = await asCommunityReads(a.trackingCode, 'shuguang.officer');
    expect(stored).toMatchObject({ photoUrl: null, location: null, address: null, contactName: null, contactPhone: null, maskedFields: [] });
  });

  it('a token of community C puts the request in C, whoever else is asking', async () => {
    const { token } = await createChannelOk(hub, CBD.code, '中央商务区社区居民服务码');
    // A signed-in officer of another street sending the same mutation changes nothing: the token decides.
    const receipt = ok(await submit(hub, token, { category: 'COMPLAINT', text: '夜间施工噪音' }, { as: 'xuetian.officer' })).submitResidentRequest;
    expect((await status(receipt.trackingCode)).unit).toEqual(CBD);
    expect(await asCommunityReads(receipt.trackingCode, 'wenfeng.officer')).toMatchObject({ unit: CBD, category: 'COMPLAINT' });
    expect(await asCommunityReads(receipt.trackingCode, 'xuetian.officer')).toBeUndefined();
  });
});

describe('tracking by code', () => {
  it('shows category, status, times, reply and the community: never text, contact data or staff', async () => {
    const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'HELP', text: '水管漏水', address: '曙光示例小区1幢1单元101室', contactName: '李四', contactPhone: '13800005678' });
    const tracked = await status(receipt.trackingCode);
    expect(tracked).toEqual({ trackingCode: receipt.trackingCode, category: 'HELP', status: 'SUBMITTED', submittedAt: receipt.submittedAt, reply: null, repliedAt: null, unit: SHUGUANG });
    // The type has no such fields: asking for them is a validation error.
    for (const field of ['contactName', 'contactPhone', 'address', 'text', 'id']) {
      const response = await hub.gql(`query($code: String!) { residentRequestStatus(trackingCode: $code) { ${field} } }`, { code: receipt.trackingCode });
      expect(response.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.body.data ?? undefined).toBeUndefined();
    }
  });

  it('accepts the code in lower case and with dashes or spaces', async () => {
    const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'SUGGESTION', text: '建议' });
    const code = receipt.trackingCode;
    const typed = `${code.slice(0, 4)}-${code.slice(4, 8)} ${code.slice(8)}`.toLowerCase();
    expect((await status(typed)).trackingCode).toBe(code);
  });

  it('shows a seeded reply', async () => {
    const [replied] = await hub.database.db.select().from(residentRequests).where(eq(residentRequests.status, 'REPLIED')).limit(1);
    expect(await status(replied!.trackingCode)).toEqual({
      trackingCode: replied!.trackingCode,
      category: replied!.category,
      status: 'REPLIED',
      submittedAt: replied!.submittedAt.toISOString(),
      reply: replied!.reply,
      repliedAt: replied!.repliedAt!.toISOString(),
      unit: expect.objectContaining({ code: replied!.unitCode }),
    });
  });

  it.each([['an unknown code', 'ABCDEFGHJKMN'], ['a malformed code', 'no such code'], ['an empty code', '']])('%s is NOT_FOUND', async (_label, code) => {
    const error = onlyError(await hub.gql(STATUS, { code }), 'residentRequestStatus');
    expect(error.extensions).toEqual({ code: 'NOT_FOUND', what: 'ResidentRequest', key: code });
  });
});

describe('tokens that no longer work', () => {
  it('a revoked channel’s token is refused; what was sent through it can still be tracked', async () => {
    const created = await createChannelOk(hub, '320613006004', '天龙社区居民服务码');
    const before = await submitOk(hub, created.token, { category: 'SUGGESTION', text: '建议' });
    ok(await hub.gql(REVOKE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' }));
    const count = await requestCount();
    const error = onlyError(await submit(hub, created.token, { category: 'SUGGESTION', text: '建议' }), 'submitResidentRequest');
    expect(error).toMatchObject({ message: 'Channel token revoked: this community channel is closed', extensions: { code: 'UNAUTHENTICATED' } });
    expect(await requestCount()).toBe(count);
    expect((await status(before.trackingCode)).trackingCode).toBe(before.trackingCode);
  });

  it('after a rotation the old token is refused at once and the new one works', async () => {
    const created = await createChannelOk(hub, '320613006005', '紫琅社区居民服务码');
    await submitOk(hub, created.token, { category: 'SUGGESTION', text: '旧码' });
    const rotated = ok(await hub.gql<{ rotateChannelToken: { token: string } }>(ROTATE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' })).rotateChannelToken;
    expect(rotated.token).toMatch(CHANNEL_TOKEN);
    expect(rotated.token).not.toBe(created.token);
    const error = onlyError(await submit(hub, created.token, { category: 'SUGGESTION', text: '旧码' }), 'submitResidentRequest');
    expect(error).toMatchObject({
      message: 'Channel token not recognised: it is unknown, or the community has replaced it with a new QR code',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const receipt = await submitOk(hub, rotated.token, { category: 'SUGGESTION', text: '新码' });
    expect((await status(receipt.trackingCode)).unit).toEqual({ code: '320613006005', name: '紫琅社区' });
  });

  it.each([
    ['an unknown token of the right shape', `ghc_${'A'.repeat(43)}`],
    ['a malformed token', 'not-a-token'],
    ['an empty token', ''],
    ['a JWT of a demo principal', 'JWT'],
  ])('%s is UNAUTHENTICATED and writes nothing', async (_label, raw) => {
    const token = raw === 'JWT' ? await hub.token('city.admin') : raw;
    const count = await requestCount();
    const error = onlyError(await submit(hub, token, { category: 'SUGGESTION', text: '建议' }), 'submitResidentRequest');
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(error.message).toMatch(/^Channel token not recognised/);
    expect(await requestCount()).toBe(count);
  });

  it('a channel token is no bearer token: in Authorization it is refused with 401', async () => {
    const response = await hub.gql('{ residentRequests { totalCount } }', {}, { authorization: `Bearer ${DEMO_CHANNEL_TOKEN}` });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe('validation, field by field: BAD_USER_INPUT names the field, nothing is written', () => {
  const valid = { category: 'COMPLAINT', text: '噪音' };
  it.each([
    ['empty text', { text: '   ' }, 'input.text'],
    ['text over 2000 characters', { text: '字'.repeat(2001) }, 'input.text'],
    ['text with a NUL', { text: 'a\u0000b' }, 'input.text'],
    ['a photoUrl that is not a URL', { photoUrl: 'photo.jpg' }, 'input.photoUrl'],
    ['a javascript: photoUrl', { photoUrl: 'javascript:alert(1)' }, 'input.photoUrl'],
    ['an ftp photoUrl', { photoUrl: 'ftp://example.org/a.jpg' }, 'input.photoUrl'],
    ['a photoUrl with credentials', { photoUrl: 'https://user:pw@example.org/a.jpg' }, 'input.photoUrl'],
    ['a photoUrl over 2000 characters', { photoUrl: `https://example.org/${'a'.repeat(2000)}` }, 'input.photoUrl'],
    ['a latitude out of range', { location: { lat: 91, lng: 120 } }, 'input.location.lat'],
    ['a longitude out of range', { location: { lat: 32, lng: -181 } }, 'input.location.lng'],
    ['an address over 200 characters', { address: '址'.repeat(201) }, 'input.address'],
    ['a contact name over 50 characters', { contactName: '名'.repeat(51) }, 'input.contactName'],
    ['a phone with letters', { contactPhone: '138abc1234' }, 'input.contactPhone'],
    ['a phone too short', { contactPhone: '1234' }, 'input.contactPhone'],
    ['a phone too long', { contactPhone: '1'.repeat(21) }, 'input.contactPhone'],
  ])('%s', async (_label, change, field) => {
    const count = await requestCount();
    const error = onlyError(await submit(hub, DEMO_CHANNEL_TOKEN, { ...valid, ...change }), 'submitResidentRequest');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(await requestCount()).toBe(count);
  });

  it('an unknown category is refused by GraphQL itself', async () => {
    const response = await submit(hub, DEMO_CHANNEL_TOKEN, { ...valid, category: 'PRAISE' });
    expect(response.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('the limits themselves are accepted; empty optional fields are stored as absent', async () => {
    const receipt = await submitOk(hub, DEMO_CHANNEL_TOKEN, {
      ...valid,
      text: '字'.repeat(2000),
      address: '址'.repeat(200),
      contactName: '名'.repeat(50),
      contactPhone: '+86 (513) 8512-3456',
      photoUrl: '',
      location: { lat: -90, lng: 180 },
    });
    const stored = await asCommunityReads(receipt.trackingCode, 'shuguang.officer');
    expect(stored).toMatchObject({ contactPhone: '+8651385123456', photoUrl: null, location: { lat: -90, lng: 180 } });
    expect((stored!['text'] as string).length).toBe(2000);
  });
});

describe('everything else is closed to an anonymous caller', () => {
  it.each([
    ['residentRequests', '{ residentRequests { totalCount } }', {}],
    ['residentRequest', 'query($id: ID!) { residentRequest(id: $id) { id } }', { id: MISSING_ID }],
    ['channels', CHANNELS, {}],
    ['createChannel', CREATE_CHANNEL, { input: { communityCode: '320613006001', name: 'x' } }],
    ['rotateChannelToken', ROTATE_CHANNEL, { id: MISSING_ID }],
    ['revokeChannel', REVOKE_CHANNEL, { id: MISSING_ID }],
    ['me', '{ me { name } }', {}],
    ['alerts', '{ alerts { totalCount } }', {}],
    ['units', '{ units { code } }', {}],
  ])('%s', async (path, query, variables) => {
    const error = onlyError(await hub.gql(query, variables), path);
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('residentRequest(id) by an anonymous caller is UNAUTHENTICATED even for a real id', async () => {
    const [row] = await hub.database.db.select({ id: residentRequests.id }).from(residentRequests).limit(1);
    const error = onlyError(await hub.gql(ONE, { id: row!.id }), 'residentRequest');
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
