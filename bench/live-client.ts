/**
 * A worker process of `npm run bench:live`: opens one graphql-transport-ws connection per
 * subscriber it is given (a raw `ws` socket speaking the protocol, lighter than a full client),
 * subscribes to `alertRaised`, and records for each delivery the alert's sequence number (from
 * its externalId `live-<seq>`) and the arrival wall time. Talks to the parent over IPC:
 *
 *   worker → { type: 'ready' }                               (listening for 'start')
 *   parent → { type: 'start', urls, lanes, subscribers: [{ index, token, hub, localAddress? }] }
 *   worker → { type: 'connected', count, failed, firstAt, lastAt }  (all subscriptions sent; wall times
 *            of the first connection attempt and of the last subscription sent)
 *   worker → { type: 'progress', warm, total }              (subscribers that got a warm-up alert; deliveries)
 *   parent → { type: 'report' }
 *   worker → { type: 'report', received: [index, seqs[], arrivals[]][], closes: [index, code][] }
 */
import WebSocket from 'ws';

const SUBSCRIPTION = 'subscription { alertRaised { id externalId type severity occurredAt } }';
/** Sequence numbers at or above this are warm-up alerts (one per unit), not timed. */
const WARMUP_BASE = 1_000_000;

interface Start {
  type: 'start';
  /** The hub processes' WebSocket URLs; each subscriber names its hub by index. */
  urls: string[];
  /** Connections in flight at once. */
  lanes: number;
  /**
   * localAddress: the source address of the socket (127.0.0.2, …). One source address reaching
   * one hub address and port has only the ephemeral port range (~28,000 ports on Linux).
   */
  subscribers: { index: number; token: string; hub: number; localAddress?: string }[];
}

interface Slot {
  index: number;
  seqs: number[];
  arrivals: number[];
  warm: boolean;
  closeCode: number | null;
}

const slots: Slot[] = [];
let warmCount = 0;
let total = 0;
let errorsShown = 0;

function connect(url: string, slot: Slot, token: string, localAddress: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    let settled = false;
    const settle = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data: Buffer) => {
      const now = Date.now();
      const text = data.toString();
      // Fast path: a `next` carries `"externalId":"live-<seq>"`; no need to parse the rest.
      const at = text.indexOf('"externalId":"live-');
      if (at >= 0) {
        const seq = Number.parseInt(text.slice(at + 19, text.indexOf('"', at + 19)), 10);
        slot.seqs.push(seq);
        total++;
        slot.arrivals.push(now);
        if (seq >= WARMUP_BASE && !slot.warm) {
          slot.warm = true;
          warmCount++;
        }
        return;
      }
      const message = JSON.parse(text) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        settle(true);
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error' || (message.type === 'next' && JSON.stringify(message.payload).includes('errors'))) {
        process.stderr.write(`subscriber ${slot.index}: ${text.slice(0, 300)}\n`);
      }
    });
    socket.on('close', (code) => {
      slot.closeCode = code;
      settle(false);
    });
    socket.on('error', (error) => {
      if (errorsShown++ < 5) process.stderr.write(`subscriber ${slot.index}: ${error.message}\n`);
      settle(false);
    });
  });
}

async function start(message: Start): Promise<void> {
  let failed = 0;
  const queue = message.subscribers;
  let taken = 0;
  const firstAt = Date.now();
  // A few connections in flight at once: each costs the hub a token check and two queries.
  const lanes = Array.from({ length: message.lanes }, async () => {
    while (taken < queue.length) {
      const next = queue[taken++]!;
      const slot: Slot = { index: next.index, seqs: [], arrivals: [], warm: false, closeCode: null };
      slots.push(slot);
      if (!(await connect(message.urls[next.hub]!, slot, next.token, next.localAddress))) failed++;
    }
  });
  await Promise.all(lanes);
  process.send!({ type: 'connected', count: slots.length, failed, firstAt, lastAt: Date.now() });
  setInterval(() => process.send!({ type: 'progress', warm: warmCount, total }), 250).unref();
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'start') void start(message as Start);
  if (message.type === 'report') {
    process.send!({
      type: 'report',
      received: slots.map((s) => [s.index, s.seqs, s.arrivals]),
      closes: slots.filter((s) => s.closeCode !== null).map((s) => [s.index, s.closeCode]),
    });
  }
  if (message.type === 'exit') process.exit(0);
});
process.send!({ type: 'ready' });
