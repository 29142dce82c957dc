import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { signToken } from '../../src/platform/auth/jwt.js';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';

/**
 * The close codes as graphql-ws's own client takes them: a refused credential (4401) ends the
 * client for good, a slow consumer's close (1013) makes it reconnect by itself.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ env: { LIVE_QUEUE_CAPACITY: '20' } });
});
afterAll(() => hub?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** A client that retries as an application would (3 attempts, quick back-off), counting its connections and closes. */
function retryingClient(authorization: () => Promise<string>, webSocketImpl: unknown = WebSocket) {
  const closes: number[] = [];
  let connecting = 0;
  let connected = 0;
  const client: Client = createClient({
    url: hub.wsUrl,
    webSocketImpl,
    retryAttempts: 3,
    retryWait: async () => {
      await sleep(50);
    },
    connectionParams: async () => ({ authorization: await authorization() }),
    on: {
      connecting: () => void (connecting += 1),
      connected: () => void (connected += 1),
      closed: (event) => void closes.push((event as { code: number }).code),
    },
  });
  return { client, closes, counts: () => ({ connecting, connected }) };
}

describe('close codes with graphql-ws createClient', () => {
  it('a forged or expired token closes with 4401, which the client does not retry', async () => {
    const forged = `Bearer ${await signToken('another-secret-another-secret-another-secret', 'city.admin', 3600)}`;
    const expired = `Bearer ${await signToken(TEST_JWT_SECRET, 'city.admin', -60)}`;
    for (const authorization of [forged, expired]) {
      const { client, closes, counts } = retryingClient(async () => authorization);
      const error = await new Promise<unknown>((resolve) => client.subscribe({ query: '{ me { name } }' }, { next: () => {}, error: resolve, complete: () => resolve(undefined) }));
      expect((error as { code: number }).code).toBe(4401);
      await sleep(300);
      expect({ closes, ...counts() }).toEqual({ closes: [4401], connecting: 1, connected: 0 });
      await client.dispose();
    }
  });

  it('a slow consumer closes with 1013, and the client reconnects and subscribes again by itself', async () => {
    const sockets: WebSocket[] = [];
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    const token = await hub.token('shuguang.officer');
    const { client, closes, counts } = retryingClient(async () => `Bearer ${token}`, Recorded);
    const received: unknown[] = [];
    const done = new Promise<unknown>((resolve) =>
      client.subscribe({ query: 'subscription { alertRaised { externalId } }' }, { next: (value) => void received.push(value), error: resolve, complete: () => resolve('complete') }),
    );
    await until(() => hub.liveAlertSubscribers() === 1, 10_000);
    // Stop reading: the hub's writes fill the kernel buffers, then the subscription's queue.
    (sockets[0] as unknown as { _socket: { pause(): void } })._socket.pause();
    const filler = 'x'.repeat(4000);
    for (let sent = 0; hub.liveAlertSubscribers() === 1 && sent < 4000; sent += 50) {
      const records = Array.from({ length: 50 }, (_, i) => ({
        externalId: `close-codes-slow-${sent + i}`,
        type: 'SMOKE',
        severity: 'LOW',
        occurredAt: new Date().toISOString(),
        unitCode: '320613006001001',
        payload: { filler },
      }));
      const { body } = await hub.gql<any>('mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }', { input: { source: 'iot-platform', records } }, { as: 'iot-platform' });
      expect(body.data?.ingestAlerts.accepted).toBe(50);
      await sleep(10);
    }
    expect(hub.liveAlertSubscribers()).toBe(0);
    (sockets[0] as unknown as { _socket: { resume(): void } })._socket.resume();
    // The client reads the close, reconnects and subscribes again: the hub counts it once more.
    await until(() => closes.length > 0 && hub.liveAlertSubscribers() === 1, 30_000);
    expect(closes[0]).toBe(1013);
    expect(counts()).toEqual({ connecting: 2, connected: 2 });
    await client.dispose();
    expect(await done).toBe('complete');
  });
});
