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
  publish<T extends keyof TopicMap & string>(executor: Executor, topic: T, payload: TopicMap[T]): Promise<void>;
  subscribe<T extends keyof TopicMap & string>(topic: T, handler: (payload: TopicMap[T]) => void): Promise<() => Promise<void>>;
  /**
   * Called each time delivery of `topic` resumes after the bus lost its connection (events
   * published in between were not delivered). Optional: a bus that never loses events omits it.
   */
  onResume?<T extends keyof TopicMap & string>(topic: T, listener: () => void): () => void;
  close(): Promise<void>;
}

/** NOTIFY refuses payloads of 8,000 bytes or more; keep a margin. */
export const MAX_EVENT_BYTES = 7_800;
