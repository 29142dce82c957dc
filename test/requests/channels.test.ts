import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { channels } from '../../src/modules/channels/index.js';
import { principals } from '../../src/modules/principals/index.js';
import {
  CHANNEL_TOKEN,
  CHANNELS,
  CREATE_CHANNEL,
  ISO_TIME,
  MISSING_ID,
  REVOKE_CHANNEL,
  ROTATE_CHANNEL,
  UUID,
  createChannelOk,
  ok,
  onlyError,
  submitOk,
  type CreatedChannel,
} from './fixtures.js';

/**
 * Channels are managed by admins at or above the community: create (the token is looked up by
 * its hash and kept for reprinting the QR code), list, rotate, revoke, each with its audit entry. Everyone else is
 * FORBIDDEN; an admin's channels outside its unit are NOT_FOUND.
 */

interface ChannelNode {
  id: string;
  name: string;
  active: boolean;
  createdBy: string;
  community: { code: string };
}
interface ChannelPage {
  totalCount: number;
  edges: { node: ChannelNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
  // A street-level admin: manages the channels of 学田's communities only.
  await hub.database.db.insert(principals).values({ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006', departmentCode: null });
});
afterAll(() => hub?.close());

async function listAll(as: string, communityCode?: string): Promise<{ nodes: ChannelNode[]; totalCount: number }> {
  const nodes: ChannelNode[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (;;) {
    const page: ChannelPage = ok(await hub.gql<{ channels: ChannelPage }>(CHANNELS, { communityCode, first: 2, after }, { as })).channels;
    totalCount = page.totalCount;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

async function auditOf(id: string) {
  const rows = await hub.database.db.select().from(auditLog).where(sql`${id} = any(${auditLog.recordIds})`).orderBy(auditLog.seq);
  return rows.map((r) => ({ actor: r.actor, operation: r.operation, outcome: r.outcome, kind: r.kind, details: r.details }));
}

describe('city.admin manages channels', () => {
  let created: CreatedChannel;

  it('creates one: looked up by its SHA-256, the token kept beside it (to reprint the poster), the audit entry never holds it', async () => {
    created = await createChannelOk(hub, '320613006004', '  天龙社区居民服务码 ');
    expect(created).toEqual({
      token: expect.stringMatching(CHANNEL_TOKEN),
      channel: {
        id: expect.stringMatching(UUID),
        name: '天龙社区居民服务码',
        active: true,
        createdBy: 'city.admin',
        createdAt: expect.stringMatching(ISO_TIME),
        revokedAt: null,
        community: { code: '320613006004', name: '天龙社区', tier: 'COMMUNITY' },
      },
    });
    const [row] = await hub.database.db.select().from(channels).where(eq(channels.id, created.channel.id));
    expect(row!.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(row!.token).toBe(created.token);
    expect(await auditOf(created.channel.id)).toEqual([
      { actor: 'city.admin', operation: 'createChannel', outcome: 'ALLOWED', kind: 'Channel', details: { communityCode: '320613006004', name: '天龙社区居民服务码' } },
    ]);
    const everything = await hub.database.db.select().from(auditLog);
    expect(JSON.stringify(everything)).not.toContain(created.token.slice(4));
  });

  it('lists channels newest first in keyset pages, narrowed by community', async () => {
    const all = await listAll('city.admin');
    expect(all.nodes[0]!.id).toBe(created.channel.id);
    // The three seeded channels of 学田 and the one above.
    expect(all.totalCount).toBe(4);
    expect(all.nodes.map((n) => n.community.code).sort()).toEqual(['320613006001', '320613006002', '320613006003', '320613006004']);
    const one = await listAll('city.admin', '320613006001');
    expect(one).toEqual({ totalCount: 1, nodes: [{ id: expect.stringMatching(UUID), name: '曙光社区居民服务码', active: true, createdBy: 'city.admin', createdAt: expect.any(String), revokedAt: null, community: { code: '320613006001', name: '曙光社区', tier: 'COMMUNITY' } }] });
  });

  it('rotates the token: a new one, the old one dead at once, an audit entry', async () => {
    const rotated = ok(await hub.gql<{ rotateChannelToken: CreatedChannel }>(ROTATE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' })).rotateChannelToken;
    expect(rotated).toEqual({ token: expect.stringMatching(CHANNEL_TOKEN), channel: created.channel });
    expect(rotated.token).not.toBe(created.token);
    const refused = onlyError(await hub.gql('mutation($t: String!) { submitResidentRequest(channelToken: $t, input: { category: HELP, text: "x" }) { status } }', { t: created.token }), 'submitResidentRequest');
    expect(refused.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    await submitOk(hub, rotated.token, { category: 'HELP', text: 'x' });
    expect((await auditOf(created.channel.id)).map((e) => e.operation)).toEqual(['createChannel', 'rotateChannelToken']);
    created = rotated;
  });

  it('revokes it: inactive, the token refused, an audit entry; revoking or rotating again is a CONFLICT', async () => {
    const revoked = ok(await hub.gql<{ revokeChannel: CreatedChannel['channel'] }>(REVOKE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' })).revokeChannel;
    expect(revoked).toEqual({ ...created.channel, active: false, revokedAt: expect.stringMatching(ISO_TIME) });
    const refused = onlyError(await hub.gql('mutation($t: String!) { submitResidentRequest(channelToken: $t, input: { category: HELP, text: "x" }) { status } }', { t: created.token }), 'submitResidentRequest');
    expect(refused.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(onlyError(await hub.gql(REVOKE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' }), 'revokeChannel').extensions).toEqual({ code: 'CONFLICT', active: false });
    expect(onlyError(await hub.gql(ROTATE_CHANNEL, { id: created.channel.id }, { as: 'city.admin' }), 'rotateChannelToken').extensions).toEqual({ code: 'CONFLICT', active: false });
    expect((await auditOf(created.channel.id)).map((e) => e.operation)).toEqual(['createChannel', 'rotateChannelToken', 'revokeChannel']);
    // Still listed, as revoked.
    expect((await listAll('city.admin', '320613006004')).nodes).toEqual([expect.objectContaining({ id: created.channel.id, active: false })]);
  });

  it.each([
    ['a street', '320613006', 'STREET'],
    ['a grid', '320613006001001', 'GRID'],
    ['no unit at all', '999999999999', null],
    ['not a code', 'drop table units', null],
  ])('communityCode naming %s is BAD_USER_INPUT, for create and list', async (_label, code, tier) => {
    const create = onlyError(await hub.gql(CREATE_CHANNEL, { input: { communityCode: code, name: 'x' } }, { as: 'city.admin' }), 'createChannel');
    expect(create.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.communityCode' });
    expect(create.message).toMatch(tier ? new RegExp(`is a ${tier}; channels belong to communities`) : /^No unit has code/);
    const list = onlyError(await hub.gql(CHANNELS, { communityCode: code }, { as: 'city.admin' }), 'channels');
    expect(list.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'communityCode' });
  });

  it.each([['empty', '  '], ['too long', '码'.repeat(101)]])('a name %s is BAD_USER_INPUT; nothing is created', async (_label, name) => {
    const before = (await listAll('city.admin')).totalCount;
    const error = onlyError(await hub.gql(CREATE_CHANNEL, { input: { communityCode: '320613006005', name } }, { as: 'city.admin' }), 'createChannel');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect((await listAll('city.admin')).totalCount).toBe(before);
  });

  it('an id that is no channel is NOT_FOUND', async () => {
    for (const id of [MISSING_ID, 'not-a-uuid']) {
      expect(onlyError(await hub.gql(ROTATE_CHANNEL, { id }, { as: 'city.admin' }), 'rotateChannelToken').extensions).toEqual({ code: 'NOT_FOUND', what: 'Channel', key: id });
      expect(onlyError(await hub.gql(REVOKE_CHANNEL, { id }, { as: 'city.admin' }), 'revokeChannel').extensions).toEqual({ code: 'NOT_FOUND', what: 'Channel', key: id });
    }
  });
});

describe('an admin of a street manages the channels of its communities only', () => {
  let wenfengChannel: CreatedChannel;
  beforeAll(async () => {
    wenfengChannel = await createChannelOk(hub, '320613008002', '文峰社区居民服务码');
  });

  it('creates one in its street', async () => {
    const created = await createChannelOk(hub, '320613006005', '紫琅社区居民服务码', 'xuetian.admin');
    expect(created.channel).toMatchObject({ createdBy: 'xuetian.admin', community: { code: '320613006005' } });
  });

  it('creating one in another street is FORBIDDEN', async () => {
    const error = onlyError(await hub.gql(CREATE_CHANNEL, { input: { communityCode: '320613008003', name: 'x' } }, { as: 'xuetian.admin' }), 'createChannel');
    expect(error).toMatchObject({ message: 'Not allowed to manage the channels of 金桥社区 (320613008003)', extensions: { code: 'FORBIDDEN', action: 'manage', subject: 'Channel' } });
  });

  it('lists only 学田 channels; asking for a 文峰 community gives nothing', async () => {
    const list = await listAll('xuetian.admin');
    expect(list.nodes.every((n) => n.community.code.startsWith('320613006'))).toBe(true);
    expect(list.nodes.some((n) => n.id === wenfengChannel.channel.id)).toBe(false);
    expect(list.totalCount).toBe(list.nodes.length);
    expect(await listAll('xuetian.admin', '320613008002')).toEqual({ nodes: [], totalCount: 0 });
  });

  it('a 文峰 channel is NOT_FOUND to rotate or revoke, exactly like a missing one, and stays untouched', async () => {
    for (const [query, path] of [[ROTATE_CHANNEL, 'rotateChannelToken'], [REVOKE_CHANNEL, 'revokeChannel']] as const) {
      const hidden = onlyError(await hub.gql(query, { id: wenfengChannel.channel.id }, { as: 'xuetian.admin' }), path);
      const missing = onlyError(await hub.gql(query, { id: MISSING_ID }, { as: 'xuetian.admin' }), path);
      expect(hidden.extensions).toEqual({ code: 'NOT_FOUND', what: 'Channel', key: wenfengChannel.channel.id });
      expect(hidden.message.replace(wenfengChannel.channel.id, '<id>')).toBe(missing.message.replace(MISSING_ID, '<id>'));
    }
    await submitOk(hub, wenfengChannel.token, { category: 'SUGGESTION', text: '仍然有效' });
  });
});

describe('everyone but an admin is FORBIDDEN', () => {
  const forbidden = { code: 'FORBIDDEN', action: 'manage', subject: 'Channel' };
  it.each(['xuetian.officer', 'shuguang.officer', 'hujing.grid', 'fire.officer', 'city.auditor', 'iot-platform'])('%s', async (as) => {
    const [seeded] = await hub.database.db.select({ id: channels.id }).from(channels).where(eq(channels.communityCode, '320613006001'));
    expect(onlyError(await hub.gql(CREATE_CHANNEL, { input: { communityCode: '320613006001', name: 'x' } }, { as }), 'createChannel').extensions).toEqual(forbidden);
    expect(onlyError(await hub.gql(ROTATE_CHANNEL, { id: seeded!.id }, { as }), 'rotateChannelToken').extensions).toEqual(forbidden);
    expect(onlyError(await hub.gql(REVOKE_CHANNEL, { id: seeded!.id }, { as }), 'revokeChannel').extensions).toEqual(forbidden);
    expect(onlyError(await hub.gql(CHANNELS, {}, { as }), 'channels').extensions).toEqual(forbidden);
    // The seeded channel still works.
    const [row] = await hub.database.db.select({ revokedAt: channels.revokedAt }).from(channels).where(eq(channels.id, seeded!.id));
    expect(row!.revokedAt).toBeNull();
  });
});
