import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/database.js';
import { invariant } from '../invariant.js';
import { randomUUID } from 'node:crypto';
import { MAX_EVENT_BYTES, type EventBus, type Receipt } from './bus.js';

/** The field a published payload carries its receipt id in; handlers never see it. */
const RECEIPT_FIELD = '$receipt';
/** Own receipts remembered for a later `delivered` call; older ones are forgotten. */
const REMEMBERED_RECEIPTS = 1000;

function channelOf(topic: string): string {
  return `gridhub_${topic.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}

/**
 * The bus over Postgres LISTEN/NOTIFY: on PGlite within the process, on a server across every
 * hub process that shares the database. One LISTEN per topic per process, however many
 * handlers; handlers run one after another for each payload.
 */
export class PgNotifyBus<TopicMap extends object> implements EventBus<TopicMap> {
  private readonly handlers = new Map<string, Set<(payload: never) => void>>();
  private readonly unlisteners = new Map<string, Promise<() => Promise<void>>>();
  private readonly gapHandlers = new Map<string, Set<() => void>>();

  constructor(
    private readonly database: Database,
    private readonly onHandlerError: (error: unknown, topic: string) => void = () => {},
  ) {}

  private readonly origin = randomUUID();
  private sequence = 0;
  /** Own receipts that came back, until someone asks (or they are forgotten). */
  private readonly received = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  async publish<T extends keyof TopicMap & string>(executor: Executor, topic: T, payload: TopicMap[T]): Promise<Receipt> {
    const id = `${this.origin}:${++this.sequence}`;
    const text = JSON.stringify({
      ...(payload as Record<string, unknown>),
      [RECEIPT_FIELD]: id,
    });
    invariant(Buffer.byteLength(text) <= MAX_EVENT_BYTES, `event on ${topic} is ${Buffer.byteLength(text)} bytes; split it`);
    await executor.execute(sql`select pg_notify(${channelOf(topic)}, ${text})`);
    return { topic, id };
  }

  delivered(receipt: Receipt, timeoutMs = 2000): Promise<void> {
    if (!this.unlisteners.has(receipt.topic) || this.received.delete(receipt.id)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(receipt.id);
        resolve();
      }, timeoutMs);
      timer.unref();
      this.waiting.set(receipt.id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private arrived(id: unknown): void {
    if (typeof id !== 'string' || !id.startsWith(this.origin)) return;
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter();
      return;
    }
    this.received.add(id);
    if (this.received.size > REMEMBERED_RECEIPTS) this.received.delete(this.received.values().next().value as string);
  }

  async subscribe<T extends keyof TopicMap & string>(topic: T, handler: (payload: TopicMap[T]) => void, onGap?: () => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as (payload: never) => void);
    let gaps = this.gapHandlers.get(topic);
    if (!gaps) {
      gaps = new Set();
      this.gapHandlers.set(topic, gaps);
    }
    if (onGap) gaps.add(onGap);
    if (!this.unlisteners.has(topic)) {
      let listens = 0;
      const listening = this.database.listen(
        channelOf(topic),
        (text) => this.dispatch(topic, text),
        // Every LISTEN after the first follows a lost connection.
        () => {
          if (listens++ === 0) return;
          for (const gap of this.gapHandlers.get(topic) ?? []) gap();
        },
      );
      this.unlisteners.set(topic, listening);
      // A LISTEN that failed is forgotten, never kept as a failure: the next subscribe tries again.
      listening.catch(() => {
        if (this.unlisteners.get(topic) === listening) this.unlisteners.delete(topic);
      });
    }
    const remove = async () => {
      set.delete(handler as (payload: never) => void);
      if (onGap) gaps.delete(onGap);
    };
    try {
      await this.unlisteners.get(topic);
    } catch (error) {
      await remove();
      throw error;
    }
    return remove;
  }

  private dispatch(topic: string, text: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      this.onHandlerError(error, topic);
      return;
    }
    const receipt = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[RECEIPT_FIELD] : undefined;
    if (receipt !== undefined) delete (payload as Record<string, unknown>)[RECEIPT_FIELD];
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(payload as never);
      } catch (error) {
        this.onHandlerError(error, topic);
      }
    }
    this.arrived(receipt);
  }

  async close(): Promise<void> {
    const pending = [...this.unlisteners.values()];
    this.unlisteners.clear();
    this.handlers.clear();
    this.gapHandlers.clear();
    for (const unlisten of pending) {
      await (await unlisten)().catch(() => {});
    }
  }
}
