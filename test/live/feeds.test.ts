import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe, wsClient, type LiveSubscription } from '../helpers/ws.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { requestLive } from '../../src/modules/requests/request.live.js';
import { createChannelOk, maskedCode, submitOk } from '../requests/fixtures.js';
import { scrape, valueOf } from '../helpers/metrics.js';

/**
 * Live feeds on the shared machinery: `residentRequestSubmitted` reaches the staff who may read
 * the request, masked as in queries; a connection closes at its token's expiry; a client that
 * stops reading is closed with 1013 while the others keep receiving.
 */

/** Above a batch of the slow test (20), so that a client that reads is never dropped. */
const CAPACITY = 50;
let hub: TestHub;
const open: { close(): Promise<void> }[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

beforeAll(async () => {
  hub = await createTestHub({ env: { LIVE_QUEUE_CAPACITY: String(CAPACITY) } });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
});
afterAll(() => hub?.close());

const SUBMITTED = /* GraphQL */ `
  subscription ($filter: ResidentRequestFilter) {
    residentRequestSubmitted(filter: $filter) { trackingCode category text contactName contactPhone address maskedFields unit { code } }
  }
`;

interface Submitted {
  trackingCode: string;
  category: string;
  text: string;
  contactName: string | null;
  contactPhone: string | null;
  address: string | null;
  maskedFields: string[];
  unit: { code: string };
}

describe('residentRequestSubmitted', () => {
  it('reaches the staff of the community and of the units above it, masked above the community; no one else', async () => {
    const who = ['shuguang.officer', 'xuetian.officer', 'city.admin', 'wenfeng.officer', 'hujing.grid', 'fire.officer'] as const;
    const subs = new Map<string, LiveSubscription<Submitted>>();
    for (const as of who) {
      const sub = await subscribe<Submitted>(hub.wsUrl, `Bearer ${await hub.token(as)}`, SUBMITTED);
      open.push(sub);
      subs.set(as, sub);
    }
    const filtered = await subscribe<Submitted>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, SUBMITTED, { filter: { categories: ['HAZARD'] } });
    open.push(filtered);
    // fire.officer may read no request: refused at subscribe.
    await until(() => subs.get('fire.officer')!.errors.length > 0);
    expect(subs.get('fire.officer')!.errors).toEqual([expect.objectContaining({ path: ['residentRequestSubmitted'], extensions: { code: 'FORBIDDEN', action: 'read', subject: 'ResidentRequest' } })]);
    await until(() => hub.handle.hub.singles.of(requestLive).subscribers === 6, 10_000);

    const contact = { address: '崇川区曙光新村12幢3单元401室', contactName: '张三', contactPhone: '13812341234' };
    const mine = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'COMPLAINT', text: '楼下餐馆油烟扰民', ...contact });
    const { token } = await createChannelOk(hub, '320613008001', '中央商务区社区居民服务码');
    const other = await submitOk(hub, token, { category: 'HAZARD', text: '井盖松动' });

    const full = { trackingCode: mine.trackingCode, category: 'COMPLAINT', text: '楼下餐馆油烟扰民', ...contact, maskedFields: [], unit: { code: '320613006001' } };
    const masked = { ...full, trackingCode: maskedCode(mine.trackingCode), address: '崇川区曙光新村12幢****', contactName: '张*', contactPhone: '138****1234', maskedFields: ['address', 'contactName', 'contactPhone'] };
    const cbd = { trackingCode: maskedCode(other.trackingCode), category: 'HAZARD', text: '井盖松动', address: null, contactName: null, contactPhone: null, maskedFields: [], unit: { code: '320613008001' } };
    await Promise.all([subs.get('shuguang.officer')!.waitFor(1), subs.get('xuetian.officer')!.waitFor(1), subs.get('city.admin')!.waitFor(2), subs.get('wenfeng.officer')!.waitFor(1)]);
    await sleep(500);
    expect(Object.fromEntries([...subs].map(([as, sub]) => [as, sub.received]))).toEqual({
      'shuguang.officer': [full],
      'xuetian.officer': [masked],
      'city.admin': [masked, cbd],
      'wenfeng.officer': [cbd],
      'hujing.grid': [],
      'fire.officer': [],
    });
    // xuetian.officer filtered to HAZARD: the 曙光 complaint is not a hazard, and the 文峰 hazard is outside its scope.
    expect(filtered.received).toEqual([]);
  });
});

describe('personal data on identical subscriptions', () => {
  it('never share unmasked personal data: each of two connections of the same principal gets it, and each read is audited under its purpose', async () => {
    const token = `Bearer ${await hub.token('shuguang.officer')}`;
    const first = await subscribe<Submitted>(hub.wsUrl, token, SUBMITTED, {}, { purpose: '入户走访 A' });
    const second = await subscribe<Submitted>(hub.wsUrl, token, SUBMITTED, {}, { purpose: '入户走访 B' });
    // Two more with identical rules and no personal data selected.
    const plainA = await subscribe<{ trackingCode: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, 'subscription { residentRequestSubmitted { trackingCode category } }');
    const plainB = await subscribe<{ trackingCode: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, 'subscription { residentRequestSubmitted { trackingCode category } }');
    open.push(first, second, plainA, plainB);
    await until(() => hub.handle.hub.singles.of(requestLive).subscribers === 4, 10_000);

    const contact = { address: '崇川区曙光新村3幢1单元101室', contactName: '李四', contactPhone: '13912345678' };
    const sent = await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'SUGGESTION', text: '增设快递柜', ...contact });
    await Promise.all([first.waitFor(1), second.waitFor(1), plainA.waitFor(1), plainB.waitFor(1)]);
    const full = { trackingCode: sent.trackingCode, category: 'SUGGESTION', text: '增设快递柜', ...contact, maskedFields: [], unit: { code: '320613006001' } };
    expect({ first: first.received, second: second.received }).toEqual({ first: [full], second: [full] });
    // Above the community the tracking code shows its last four characters only.
    const plain = { trackingCode: maskedCode(sent.trackingCode), category: 'SUGGESTION' };
    expect({ a: plainA.received, b: plainB.received }).toEqual({ a: [plain], b: [plain] });

    const { body } = await hub.gql<{ auditLog: { edges: { node: { actor: string; purpose: string | null; fields: string[]; recordIds: string[] } }[] } }>(
      `{ auditLog(filter: { operation: "read", kind: "ResidentRequest", actor: "shuguang.officer" }, first: 10) { edges { node { actor purpose fields recordIds } } } }`,
      {},
      { as: 'city.auditor' },
    );
    const reads = body.data!.auditLog.edges.map((e) => e.node).filter((n) => n.purpose?.startsWith('入户走访'));
    expect(reads.map((r) => ({ ...r, recordIds: r.recordIds.length })).sort((x, y) => x.purpose!.localeCompare(y.purpose!))).toEqual([
      { actor: 'shuguang.officer', purpose: '入户走访 A', fields: ['address', 'contactName', 'contactPhone'], recordIds: 1 },
      { actor: 'shuguang.officer', purpose: '入户走访 B', fields: ['address', 'contactName', 'contactPhone'], recordIds: 1 },
    ]);
  });
});

describe('connections', () => {
  it('closes a connection with 4401 "Unauthorized: token expired" when its 2-second token expires', async () => {
    await sleep(1000 - (Date.now() % 1000)); // sign at the start of a second: the token lives the full 2 s
    const signedAt = Date.now();
    const token = await signToken(TEST_JWT_SECRET, 'hujing.grid', 2, signedAt);
    const expiresAt = (Math.floor(signedAt / 1000) + 2) * 1000;
    let connected = false;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      const client = wsClient(hub.wsUrl, `Bearer ${token}`, resolve);
      client.on('connected', () => (connected = true));
      client.subscribe({ query: 'subscription { alertRaised { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
      open.push({ close: () => client.dispose() as Promise<void> });
    });
    const event = await closed;
    const closedAt = Date.now();
    expect({ connected, code: event.code, reason: event.reason }).toEqual({ connected: true, code: 4401, reason: 'Unauthorized: token expired' });
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(closedAt).toBeLessThan(expiresAt + 1500);
  });

  it('closes a client that stops reading with 1013 once its queue overflows, while another subscriber receives everything', async () => {
    const fast = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, 'subscription { alertRaised { externalId } }');
    open.push(fast);
    // The slow client: a raw socket that subscribes, then stops reading (its TCP socket paused).
    const slow = new WebSocket(hub.wsUrl, 'graphql-transport-ws');
    const slowClosed = new Promise<{ code: number; reason: string }>((resolve) => slow.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise<void>((resolve) => {
      slow.on('open', async () => slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await hub.token('shuguang.officer')}` } })));
      slow.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') {
          slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { externalId payload } }' } }));
          resolve();
        }
      });
    });
    await until(() => hub.liveAlertSubscribers() === 2, 10_000);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    // Batches of 20 alerts at 曙光 with a 4 KB payload each, until the hub drops the slow client
    // (its kernel buffers fill first, then its queue of CAPACITY events).
    const filler = 'x'.repeat(4000);
    let sent = 0;
    const began = Date.now();
    while (hub.liveAlertSubscribers() === 2 && sent < 6000) {
      const records = Array.from({ length: 20 }, (_, i) => ({
        externalId: `slow-${sent + i}`,
        type: 'SMOKE',
        severity: 'LOW',
        occurredAt: new Date().toISOString(),
        unitCode: '320613006001001',
        payload: { filler },
      }));
      const { body } = await hub.gql<{ ingestAlerts: { accepted: number } }>(
        'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }',
        { input: { source: 'iot-platform', records } },
        { as: 'iot-platform' },
      );
      expect(body.data?.ingestAlerts.accepted).toBe(20);
      sent += 20;
      await sleep(20);
    }
    // The slow subscriber left the index. Reading again (within ws's 30-second close timeout,
    // after which an unread socket is destroyed: 1006), it finds what was buffered, then the
    // close frame.
    expect(hub.liveAlertSubscribers()).toBe(1);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slowClosed).toEqual({ code: 1013, reason: 'Too slow: more undelivered events than the queue holds' });
    const metrics = await scrape(hub.url);
    expect(valueOf(metrics, 'gridhub_live_slow_client_closes_total', { field: 'alertRaised' })).toBe(1);
    // The fast one got every alert, in order.
    await fast.waitFor(sent, 20_000);
    expect(fast.received).toEqual(Array.from({ length: sent }, (_, i) => ({ externalId: `slow-${i}` })));
    expect(Date.now() - began).toBeLessThan(60_000);
  });
});
