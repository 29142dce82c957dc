import type { Executor } from '../db/database.js';
import { appendToLog } from './live-log.js';

/**
 * Terminology
 * - topic: a named stream of events, declared once in the topic map `Topics` (never a loose
 *   string): `accessChanged` here, every other one by the module that publishes it, beside its
 *   manifest (`declare module '…/platform/pubsub/bus.js' { interface Topics { … } }`).
 * - event: a small JSON payload naming what changed (ids and scope, not whole records), so
 *   that it fits Postgres NOTIFY's 8,000-byte limit; each hub process loads the records once.
 *
 * `publish` runs inside the writing transaction: the event is delivered when, and only if,
 * the transaction commits. Another bus (NATS, Redis) implements the same interface with an
 * after-commit hook.
 */
export interface EventBus<TopicMap extends object> {
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

/**
 * Every topic the hub publishes, with its payload. Payloads name records (ids), never carry
 * them: NOTIFY holds under 8,000 bytes, and each process loads the records once. The modules
 * add their own topics to this map.
 */
export interface Topics {
  /**
   * Who may see what changed: a grant to a unit or department was made, revoked or expired, an
   * API key was revoked, a principal was changed, or the units within `unitPath` moved. Open
   * connections of those principals rebuild their ability (or close, for a revoked key or a
   * disabled principal).
   */
  accessChanged: { granteeUnitCode?: string; granteeDepartmentCode?: string; apiKeyId?: string; principal?: string; unitPath?: string };
}

/** The topics whose events name records by id (`{ ids }`): the live feeds' topics. */
export type IdsTopic = {
  [T in keyof Topics]: Topics[T] extends { ids: string[] } ? T : never;
}[keyof Topics];

/** Ids per event: 150 uuids keep the payload near 6 KB, under the 8,000-byte limit. */
const IDS_PER_EVENT = 150;

/**
 * Publishes that the records `ids` changed, inside the writing transaction, in events of at
 * most IDS_PER_EVENT ids. The events are sent together: postgres.js pipelines them on the
 * transaction's connection (one round trip, not one per event).
 */
export async function publishIds(bus: EventBus<Topics>, executor: Executor, topic: IdsTopic, ids: readonly string[]): Promise<void> {
  const sent: Promise<unknown>[] = [];
  for (let offset = 0; offset < ids.length; offset += IDS_PER_EVENT) {
    const chunk = ids.slice(offset, offset + IDS_PER_EVENT);
    // The live log numbers the event in commit order (cursors, replay); the NOTIFY wakes the feeds.
    sent.push(appendToLog(executor, topic, chunk), bus.publish(executor, topic, { ids: chunk }));
  }
  await Promise.all(sent);
}
