import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { SUBMIT, createChannelOk, onlyError } from '../requests/fixtures.js';
import { faults, open311, writes } from './fixtures.js';

/**
 * Open311 filing goes through submitResidentRequest, so it shares the resident rate limits with
 * the submit page and GraphQL: per client address (X-Forwarded-For under TRUST_PROXY here) and
 * per channel. Over a limit: 429 with Retry-After, nothing written.
 */

/** 10:01 UTC: one minute into a 10-minute window and into an hour. */
const START = new Date('2026-11-28T10:01:00.000Z');
const clock = new TestClock(START);
let hub: TestHub;
/** A second community's channel, made in the second test. */
let tianlong: string;
beforeAll(async () => {
  hub = await createTestHub({ clock, env: { TRUST_PROXY: 'loopback', RESIDENT_RATE_PER_CLIENT: '3', RESIDENT_RATE_PER_CHANNEL: '5' } });
});
afterAll(() => hub?.close());

const post = (ip: string, token = DEMO_CHANNEL_TOKEN, description = '楼道灯坏了') =>
  open311(hub, 'POST', '/requests.json', { form: { api_key: token, service_code: 'help', description }, headers: { 'x-forwarded-for': ip } });

describe('resident rate limits on POST /requests.json', () => {
  it('a client files 3 in 10 minutes; the 4th is 429 with Retry-After, and nothing is written; GraphQL from the same address is limited too', async () => {
    for (let i = 0; i < 3; i++) expect((await post('203.0.1.1')).status).toBe(201);
    const before = await writes(hub);
    const limited = await post('203.0.1.1');
    expect(faults(limited, 429)).toEqual([
      { code: 429, description: '操作过于频繁，请 9 分钟后再试（每 10 分钟最多 3 次）。Too many resident submissions and ratings from the address block 203.0.1.0/24: at most 3 per 10 minutes; try again in 540 s.' },
    ]);
    expect(limited.headers.get('retry-after')).toBe('540');
    expect(await writes(hub)).toEqual(before);
    const graphql = await hub.gql(SUBMIT, { token: DEMO_CHANNEL_TOKEN, input: { category: 'HELP', text: '楼道灯坏了' } }, { headers: { 'x-forwarded-for': '203.0.1.1' } });
    expect(onlyError(graphql, 'submitResidentRequest').extensions?.['code']).toBe('RATE_LIMITED');
  });

  it('past 5 an hour the channel still takes requests, held for staff review; another community’s channel takes the same client as usual', async () => {
    expect((await post('203.0.2.1')).status).toBe(201);
    expect((await post('203.0.3.1')).status).toBe(201);
    const held = await post('203.0.4.1');
    expect(held.status).toBe(201);
    tianlong = (await createChannelOk(hub, '320613006004', '天龙社区居民服务码')).token;
    expect((await post('203.0.4.1', tianlong)).status).toBe(201);
  });

  it('the next window opens again', async () => {
    clock.set(new Date(START.getTime() + 60 * 60_000));
    expect((await post('203.0.1.1')).status).toBe(201);
  });

  it('refused attempts count as on GraphQL: after 3 refused, the 4th (valid or not) is 429', async () => {
    for (let i = 0; i < 3; i++) expect(faults(await post('203.0.5.1', tianlong, ' '), 400)).toEqual([{ code: 400, description: 'description must not be empty' }]);
    const before = await writes(hub);
    expect(faults(await post('203.0.5.1', tianlong, ' '), 429)[0]!.description).toMatch(/Too many resident submissions and ratings from the address block 203\.0\.5\.0\/24/);
    expect(faults(await post('203.0.5.1', tianlong), 429)).toHaveLength(1);
    expect(await writes(hub)).toEqual(before);
  });
});
