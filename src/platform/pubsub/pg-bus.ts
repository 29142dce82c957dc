import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/database.js';
import { invariant } from '../invariant.js';
import { MAX_EVENT_BYTES, type EventBus } from './bus.js';

function channelOf(topic: string): string {
  return `gridhub_${topic.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}

/**
 * The bus over Postgres LISTEN/NOTIFY: on PGlite within the process, on a server across every
 * hub process that shares the database. One LISTEN per topic per process, however many
 * handlers; handlers run one after another for each payload.
 */
export class PgNotifyBus<TopicMap extends Record<string, unknown>> implements EventBus<TopicMap> {
  private readonly handlers = new Map<string, Set<(payload: never) => void>>();
  private readonly unlisteners = new Map<string, Promise<() => Promise<void>>>();
  private readonly resumeListeners = new Map<string, Set<() => void>>();
  /** Topics whose LISTEN was established once: a later onListen is a resumption. */
  private readonly listening = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly onHandlerError: (error: unknown, topic: string) => void = () => {},
  ) {}

  async publish<T extends keyof TopicMap & string>(executor: Executor, topic: T, payload: TopicMap[T]): Promise<void> {
    const text = JSON.stringify(payload);
    invariant(Buffer.byteLength(text) <= MAX_EVENT_BYTES, `event on ${topic} is ${Buffer.byteLength(text)} bytes; split it`);
    await executor.execute(sql`select pg_notify(${channelOf(topic)}, ${text})`);
  }

  async subscribe<T extends keyof TopicMap & string>(topic: T, handler: (payload: TopicMap[T]) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as (payload: never) => void);
    if (!this.unlisteners.has(topic)) {
      this.unlisteners.set(
        topic,
        this.database.listen(
          channelOf(topic),
          (text) => this.dispatch(topic, text),
          () => this.listened(topic),
        ),
      );
    }
    await this.unlisteners.get(topic);
    return async () => {
      set.delete(handler as (payload: never) => void);
    };
  }

  onResume<T extends keyof TopicMap & string>(topic: T, listener: () => void): () => void {
    let set = this.resumeListeners.get(topic);
    if (!set) {
      set = new Set();
      this.resumeListeners.set(topic, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The LISTEN on `topic` is in place: the first time, or again after the connection was lost. */
  private listened(topic: string): void {
    if (!this.listening.has(topic)) {
      this.listening.add(topic);
      return;
    }
    for (const listener of this.resumeListeners.get(topic) ?? []) {
      try {
        listener();
      } catch (error) {
        this.onHandlerError(error, topic);
      }
    }
  }

  private dispatch(topic: string, text: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (error) {
      this.onHandlerError(error, topic);
      return;
    }
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(payload as never);
      } catch (error) {
        this.onHandlerError(error, topic);
      }
    }
  }

  async close(): Promise<void> {
    const pending = [...this.unlisteners.values()];
    this.unlisteners.clear();
    this.handlers.clear();
    this.resumeListeners.clear();
    for (const unlisten of pending) {
      await (await unlisten)().catch(() => {});
    }
  }
}
