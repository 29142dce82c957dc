import type { Executor } from '../db/database.js';

/**
 * Terminology
 * - topic: a named stream of events, declared once in a topic map (never a loose string).
 * - event: a small JSON payload naming what changed (ids and scope, not whole records), so
 *   that it fits Postgres NOTIFY's 8,000-byte limit; each hub process loads the records once.
 *
 * `publish` runs inside the writing transaction: the event is delivered when, and only if,
 * the transaction commits. Another bus (NATS, Redis) implements the same interface with an
 * after-commit hook.
 */
export interface EventBus<TopicMap extends Record<string, unknown>> {
  /** Returns a receipt for `delivered`. */
  publish<T extends keyof TopicMap & string>(executor: Executor, topic: T, payload: TopicMap[T]): Promise<Receipt>;
  /**
   * Resolves once an event this process published (and whose transaction has committed) has
   * reached this process's own handlers — at once when nothing here listens to its topic, and
   * after `timeoutMs` at the latest. A writer that changed who may see what awaits it before
   * answering, so that its caller's next request on this process sees the change.
   */
  delivered(receipt: Receipt, timeoutMs?: number): Promise<void>;
  /**
   * `onGap` runs when the bus has reconnected after losing its connection: events published
   * meanwhile were lost, so whoever keeps state derived from them (a cache) drops it.
   */
  subscribe<T extends keyof TopicMap & string>(topic: T, handler: (payload: TopicMap[T]) => void, onGap?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Names one published event: its topic and a number unique within the process. */
export interface Receipt {
  topic: string;
  id: string;
}

/** NOTIFY refuses payloads of 8,000 bytes or more; keep a margin. */
export const MAX_EVENT_BYTES = 7_800;
