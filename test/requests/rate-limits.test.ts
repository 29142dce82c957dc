import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, lt, sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { createTestHub, dbKind, freshDatabase, TestClock, type GqlResponse, type TestHub } from '../helpers/hub.js';
import { openServer } from '../../src/platform/db/database.js';
import { rateLimitCounters } from '../../src/platform/ratelimit/ratelimit.table.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { channels } from '../../src/modules/channels/index.js';
import { residentRequests } from '../../src/modules/requests/index.js';
import { SUBMIT, createChannelOk, ok, onlyError } from './fixtures.js';

/**
 * Resident rate limits through HTTP, with small limits: per client address block (/24; shared by
 * submissions and ratings of unknown codes, per 10 minutes) and a soft limit per channel
 * (submissions per hour; past it they are held for review). Client addresses are simulated with
 * X-Forwarded-For, which only counts under TRUST_PROXY. A limited attempt is RATE_LIMITED with
 * retryAfterSeconds and writes nothing; the counters live in the database, so two hubs on one
 * PostgreSQL count together.
 */

/** 10:01 UTC: one minute into a 10-minute window and into an hour. */
const START = new Date('2026-11-28T10:01:00.000Z');

type Submitted = GqlResponse<{ submitResidentRequest: { trackingCode: string } }>;

function submitFrom(hub: TestHub, ip: string | undefined, token: string, text: string): Promise<Submitted> {
  return hub.gql(SUBMIT, { token, input: { category: 'SUGGESTION', text } }, { headers: ip ? { 'x-forwarded-for': ip } : {} });
}

async function stored(hub: TestHub, text: string): Promise<number> {
  const [row] = await hub.database.db.select({ n: count() }).from(residentRequests).where(eq(residentRequests.text, text));
  return row!.n;
}

async function submissionsAudited(hub: TestHub): Promise<number> {
  const [row] = await hub.database.db.select({ n: count() }).from(auditLog).where(eq(auditLog.operation, 'submitResidentRequest'));
  return row!.n;
}

describe('per client and per channel, through HTTP (TRUST_PROXY=loopback)', () => {
  const clock = new TestClock(START);
  let hub: TestHub;
  let otherToken: string;
  beforeAll(async () => {
    hub = await createTestHub({ clock, env: { TRUST_PROXY: 'loopback', RESIDENT_RATE_PER_CLIENT: '3', RESIDENT_RATE_PER_CHANNEL: '5' } });
    otherToken = (await createChannelOk(hub, '320613006004', '天龙社区居民服务码')).token;
  });
  afterAll(() => hub?.close());

  it('a client may submit 3 times in 10 minutes; the 4th is RATE_LIMITED, in Chinese and English, with retryAfterSeconds, and nothing is written', async () => {
    for (let i = 1; i <= 3; i++) ok(await submitFrom(hub, '203.0.1.1', DEMO_CHANNEL_TOKEN, `甲的第${i}条`));
    const audited = await submissionsAudited(hub);
    const error = onlyError(await submitFrom(hub, '203.0.1.1', DEMO_CHANNEL_TOKEN, '甲的第4条'), 'submitResidentRequest');
    expect(error).toEqual({
      message: '操作过于频繁，请 9 分钟后再试（每 10 分钟最多 3 次）。Too many resident submissions and ratings from the address block 203.0.1.0/24: at most 3 per 10 minutes; try again in 540 s.',
      locations: expect.any(Array),
      path: ['submitResidentRequest'],
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 540, limit: 3, windowSeconds: 600 },
    });
    expect(await stored(hub, '甲的第4条')).toBe(0);
    expect(await submissionsAudited(hub)).toBe(audited);
    // Still limited, whatever the channel: the limit is the client's.
    expect(onlyError(await submitFrom(hub, '203.0.1.1', otherToken, '甲换个码'), 'submitResidentRequest').extensions?.['code']).toBe('RATE_LIMITED');
  });

  it('another client is not held up by the first; past 5 an hour (attempts a client was refused do not count) the channel holds submissions for review instead of refusing them', async () => {
    for (let i = 1; i <= 2; i++) ok(await submitFrom(hub, '203.0.2.1', DEMO_CHANNEL_TOKEN, `乙的第${i}条`));
    const held = await submitFrom(hub, '203.0.3.1', DEMO_CHANNEL_TOKEN, '丙的第1条');
    expect(held.body.errors).toBeUndefined();
    expect(await stored(hub, '丙的第1条')).toBe(1);
    const [row] = await hub.database.db.select({ heldAt: residentRequests.heldAt }).from(residentRequests).where(eq(residentRequests.text, '丙的第1条'));
    expect(row!.heldAt).toEqual(clock.now());
    // Another community's channel still takes the same client's request.
    ok(await submitFrom(hub, '203.0.3.1', otherToken, '丙换个码'));
  });

  it('rating an unknown code counts against the block; the holder of a real code is never limited', async () => {
    // The resident's own request, closed by staff (set here directly: handling is tested elsewhere).
    const [closed] = await hub.database.db.update(residentRequests).set({ status: 'CLOSED', closedAt: clock.now() }).where(eq(residentRequests.text, '乙的第1条')).returning({ code: residentRequests.trackingCode });
    const rate = (ip: string, code: string) => hub.gql(`mutation($c: String!) { rateResidentRequest(trackingCode: $c, satisfaction: 5) { satisfaction } }`, { c: code }, { headers: { 'x-forwarded-for': ip } });
    expect(onlyError(await rate('203.0.1.1', 'ZZZZZZZZZZZZ'), 'rateResidentRequest').extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 540, limit: 3, windowSeconds: 600 });
    const rated = await rate('203.0.1.1', closed!.code);
    expect(rated.body.data).toEqual({ rateResidentRequest: { satisfaction: 5 } });
  });

  it('over a WebSocket the client is the upgrade request’s X-Forwarded-For, and the same limit holds', async () => {
    class ForwardedSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'x-forwarded-for': '203.0.1.1' } });
      }
    }
    const client = createClient({ url: hub.wsUrl, webSocketImpl: ForwardedSocket, lazy: true, retryAttempts: 0, connectionParams: { authorization: `Bearer ${await hub.token('shuguang.officer')}` } });
    try {
      const result = await new Promise<{ errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }>((resolve, reject) => {
        client.subscribe({ query: SUBMIT, variables: { token: otherToken, input: { category: 'HELP', text: '经WebSocket提交' } } }, { next: resolve as never, error: reject, complete: () => {} });
      });
      expect(result.errors?.map((e) => e.extensions)).toEqual([{ code: 'RATE_LIMITED', retryAfterSeconds: 540, limit: 3, windowSeconds: 600 }]);
      expect(await stored(hub, '经WebSocket提交')).toBe(0);
    } finally {
      await client.dispose();
    }
  });

  it('the next window lets the client in again; the channel waits for the next hour; expired counters are pruned', async () => {
    clock.advance(540_000); // 10:10:00
    ok(await submitFrom(hub, '203.0.1.1', otherToken, '甲在新窗口'));
    ok(await submitFrom(hub, '203.0.4.1', DEMO_CHANNEL_TOKEN, '丁在同一小时'));
    const [sameHour] = await hub.database.db.select({ heldAt: residentRequests.heldAt }).from(residentRequests).where(eq(residentRequests.text, '丁在同一小时'));
    expect(sameHour!.heldAt).not.toBeNull();
    // A second into the next hour: every window of the hour before has ended, so the first hit of a window prunes them.
    clock.set(new Date('2026-11-28T11:00:01.000Z'));
    ok(await submitFrom(hub, '203.0.4.1', DEMO_CHANNEL_TOKEN, '丁在下一小时'));
    const [nextHour] = await hub.database.db.select({ heldAt: residentRequests.heldAt }).from(residentRequests).where(eq(residentRequests.text, '丁在下一小时'));
    expect(nextHour!.heldAt).toBeNull();
    const [expired] = await hub.database.db.select({ n: count() }).from(rateLimitCounters).where(lt(rateLimitCounters.expiresAt, clock.now()));
    expect(expired!.n).toBe(0);
    const rows = await hub.database.db.select({ bucket: rateLimitCounters.bucket, hits: rateLimitCounters.hits }).from(rateLimitCounters).orderBy(rateLimitCounters.bucket);
    expect(rows.map((r) => r.bucket).sort()).toEqual(['resident-channel:' + (await channelIdOf(hub, DEMO_CHANNEL_TOKEN)), 'resident-block:203.0.4.0/24'].sort());
    expect(rows.every((r) => r.hits === 1)).toBe(true);
  });
});

async function channelIdOf(hub: TestHub, token: string): Promise<string> {
  const [row] = await hub.database.db.select({ id: channels.id }).from(channels).where(eq(channels.token, token));
  return row!.id;
}

describe('without TRUST_PROXY, X-Forwarded-For is ignored: every request is its TCP peer', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub({ clock: new TestClock(START), env: { RESIDENT_RATE_PER_CLIENT: '2' } });
  });
  afterAll(() => hub?.close());

  it('three "different" forwarded addresses from 127.0.0.1 share one limit of 2', async () => {
    ok(await submitFrom(hub, '198.51.100.1', DEMO_CHANNEL_TOKEN, '伪装一'));
    ok(await submitFrom(hub, '198.51.100.2', DEMO_CHANNEL_TOKEN, '伪装二'));
    expect(onlyError(await submitFrom(hub, '198.51.100.3', DEMO_CHANNEL_TOKEN, '伪装三'), 'submitResidentRequest').extensions?.['code']).toBe('RATE_LIMITED');
    const buckets = await hub.database.db.select({ bucket: rateLimitCounters.bucket }).from(rateLimitCounters).where(sql`${rateLimitCounters.bucket} like 'resident-block:%'`);
    expect(buckets.map((b) => b.bucket)).toEqual(['resident-block:127.0.0.0/24']);
  });
});

describe.skipIf(dbKind !== 'postgres')('two hubs on one PostgreSQL count together', () => {
  it('a client alternating between hub A and hub B gets 4 in all, not 4 each', async () => {
    const fresh = await freshDatabase();
    const env = { TRUST_PROXY: 'loopback', RESIDENT_RATE_PER_CLIENT: '4' };
    const a = await createTestHub({ database: fresh.database, clock: new TestClock(START), env });
    const b = await createTestHub({ database: await openServer({ url: fresh.url!, max: 5 }), clock: new TestClock(START), env });
    try {
      for (const [i, hub] of [a, b, a, b].entries()) ok(await submitFrom(hub, '192.0.2.9', DEMO_CHANNEL_TOKEN, `轮流${i}`));
      for (const hub of [a, b]) {
        expect(onlyError(await submitFrom(hub, '192.0.2.9', DEMO_CHANNEL_TOKEN, '第五条'), 'submitResidentRequest').extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 540, limit: 4, windowSeconds: 600 });
      }
      expect(await stored(a, '第五条')).toBe(0);
      const [row] = await a.database.db.select({ hits: rateLimitCounters.hits }).from(rateLimitCounters).where(eq(rateLimitCounters.bucket, 'resident-block:192.0.2.0/24'));
      expect(row!.hits).toBe(6);
    } finally {
      await b.close();
      await b.database.close();
      await a.close();
      await fresh.drop();
    }
  });
});
