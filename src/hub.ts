import type { Config } from './config.js';
import type { Clock, Hub, Logger } from './platform/context.js';
import { systemClock } from './platform/context.js';
import type { Database } from './platform/db/database.js';
import { PgNotifyBus } from './platform/pubsub/pg-bus.js';

export interface HubParts {
  config: Config;
  database: Database;
  jwtSecret: string;
  log: Logger;
  clock?: Clock;
}

/** The process-wide parts every request shares; `close` runs the registered tasks, newest first. */
export function createHub(parts: HubParts): Hub & { close(): Promise<void> } {
  const made = new Map<unknown, unknown>();
  const closers: (() => Promise<void> | void)[] = [];
  const bus = new PgNotifyBus<Record<string, unknown>>(parts.database, (error, topic) =>
    parts.log.error('event handler failed', { topic, error: String(error) }),
  );
  const hub: Hub & { close(): Promise<void> } = {
    config: parts.config,
    database: parts.database,
    bus,
    clock: parts.clock ?? systemClock,
    log: parts.log,
    jwtSecret: parts.jwtSecret,
    single<T>(factory: (hub: Hub) => T): T {
      if (!made.has(factory)) made.set(factory, factory(hub));
      return made.get(factory) as T;
    },
    onClose(task) {
      closers.push(task);
    },
    async close() {
      for (const task of closers.reverse()) await task();
      await bus.close();
    },
  };
  return hub;
}
