import type { Config } from './config.js';
import type { Clock, Hub, Logger } from './platform/context.js';
import { Memo, systemClock } from './platform/context.js';
import type { Database } from './platform/db/database.js';
import type { Topics } from './platform/pubsub/bus.js';
import { hookRegistry, type HubModule } from './platform/module.js';
import { PgNotifyBus } from './platform/pubsub/pg-bus.js';
import { HubMetrics } from './platform/metrics.js';
import { statementSpan } from './platform/tracing.js';
import type { Tracer } from '@opentelemetry/api';

interface HubParts {
  config: Config;
  database: Database;
  jwtSecret: string;
  log: Logger;
  /** The modules the hub runs: what they give at each other's hook points. */
  modules: readonly HubModule[];
  clock?: Clock;
  /** Tracing on: the tracer spans are made with. */
  tracer?: Tracer | undefined;
}

/** The process-wide parts every request shares; `close` runs the registered tasks, newest first. */
export function createHub(parts: HubParts): Hub & { close(): Promise<void> } {
  const closers: (() => Promise<void> | void)[] = [];
  const bus = new PgNotifyBus<Topics>(parts.database, (error, topic) => parts.log.error('event handler failed', { topic, error: String(error) }));
  const hooks = hookRegistry(parts.modules);
  const metrics = new HubMetrics();
  for (const [pool, size] of Object.entries(parts.database.poolSizes)) metrics.poolSize.set({ pool }, size);
  const { replica } = parts.database;
  if (replica) {
    replica.onRoute((target, reason) => metrics.reads.inc({ target, reason }));
    metrics.registerReplica(() => replica.status());
  }
  const { tracer } = parts;
  parts.database.observe(
    tracer
      ? (pool, text) => {
          const counted = metrics.statement(pool);
          const traced = statementSpan(tracer, pool, text);
          return traced
            ? (error) => {
                counted(error);
                traced(error);
              }
            : counted;
        }
      : (pool) => metrics.statement(pool),
  );
  const hub: Hub & { close(): Promise<void> } = {
    config: parts.config,
    database: parts.database,
    bus,
    clock: parts.clock ?? systemClock,
    log: parts.log,
    metrics,
    tracer,
    jwtSecret: parts.jwtSecret,
    // Made on first use, with the hub itself as what each factory is given.
    singles: new Memo<Hub>(() => hub),
    hooks,
    onClose(task) {
      closers.push(task);
    },
    async close() {
      for (const task of closers.reverse()) await task();
      await bus.close();
      parts.database.observe(undefined);
      replica?.onRoute(undefined);
    },
  };
  for (const module of parts.modules) module.metrics?.(hub);
  return hub;
}
