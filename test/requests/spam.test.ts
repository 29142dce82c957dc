import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { addressBlock } from '../../src/platform/ratelimit/ratelimit.js';
import { open311 } from '../open311/fixtures.js';
import { STATUS } from './fixtures.js';

/**
 * The finding: 120 Open311 posts from 12 addresses filled a channel's hourly quota, and a genuine
 * resident was refused for 34 minutes. With the default limits (10 per address block per 10
 * minutes, a soft 120 per channel per hour), the flood from one /24 is cut at 10, the resident
 * from another block gets in, and whatever passes the channel's soft limit is held for review.
 */

const START = new Date('2026-11-28T10:01:00.000Z');

describe('spam from one /24 cannot close a channel', () => {
  let hub: TestHub;
  beforeAll(async () => {
    // The defaults for the block (10 / 10 min); a channel soft limit of 8 an hour, so that the flood passes it.
    hub = await createTestHub({ clock: new TestClock(START), env: { TRUST_PROXY: 'loopback', RESIDENT_RATE_PER_CLIENT: '10', RESIDENT_RATE_PER_CHANNEL: '8' } });
  });
  afterAll(() => hub?.close());

  const post = (ip: string, description: string) =>
    open311<{ service_request_id: string }[]>(hub, 'POST', '/requests.json', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'help', description }, headers: { 'x-forwarded-for': ip } });

  it('120 posts from 12 addresses of one /24: 10 accepted, the rest 429; a resident of another block is accepted, held for review; staff list and release it; follow-ups always work', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) statuses.push((await post(`198.51.100.${10 + (i % 12)}`, `刷屏${i}`)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(110);

    // The channel is past nothing yet for this resident: 10 of 8 taken, so the resident's request is held, not refused.
    const genuine = await post('203.0.113.77', '楼道灯坏了三天了');
    expect(genuine.status).toBe(201);
    const code = genuine.body[0]!.service_request_id;

    const HELD = `query { residentRequests(filter: { held: true }, first: 50) { edges { node { id trackingCode heldAt text } } } }`;
    const list = await hub.gql<{ residentRequests: { edges: { node: { id: string; trackingCode: string; heldAt: string; text: string } }[] } }>(HELD, {}, { as: 'shuguang.officer' });
    const held = list.body.data!.residentRequests.edges.map((e) => e.node);
    expect(held.map((n) => n.text).sort()).toEqual(['刷屏8', '刷屏9', '楼道灯坏了三天了'].sort());
    const mine = held.find((n) => n.trackingCode === code)!;
    expect(mine.heldAt).toBe(START.toISOString());

    // The resident follows up with the code from the flooded block too: status needs no quota.
    const status = await hub.gql(STATUS, { code }, { headers: { 'x-forwarded-for': '198.51.100.10' } });
    expect(status.body.errors).toBeUndefined();

    const release = await hub.gql(`mutation($id: ID!) { releaseResidentRequest(id: $id) { trackingCode heldAt } }`, { id: mine.id }, { as: 'shuguang.officer' });
    expect(release.body.data).toEqual({ releaseResidentRequest: { trackingCode: code, heldAt: null } });
    const again = await hub.gql(`mutation($id: ID!) { releaseResidentRequest(id: $id) { heldAt } }`, { id: mine.id }, { as: 'shuguang.officer' });
    expect(again.body.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
  });

  it('counts IPv4 per /24 and IPv6 per /64', () => {
    expect(addressBlock('198.51.100.23')).toBe('198.51.100.0/24');
    expect(addressBlock('::ffff:198.51.100.23')).toBe('198.51.100.0/24');
    expect(addressBlock('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('::1')).toBe('0:0:0:0::/64');
  });
});
