import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration } from 'prom-client';

/**
 * Terminology
 * - registry: where a hub's metrics live. One per hub (tests start several hubs in one process;
 *   prom-client's global default registry would refuse the second one's names).
 * - process metrics: CPU, memory, heap, event-loop lag, handles (prom-client's default set). They
 *   describe the process, not a hub, so they live once in a registry of the process that every
 *   hub's `/metrics` prints after its own.
 * - pool: which of the hub's database connection sets ran a statement: `main` (requests, writes),
 *   `live` (live feeds' batch loads, on a server its own two connections).
 * - field: a live subscription field (its bus topic: `alertRaised`, `caseChanged`, …).
 */

/** Latency buckets (seconds) for requests and statements: 1 ms to 10 s. */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Beyond this many distinct operation names, further names are counted as `other` (clients choose names). */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

let processRegistry: Registry | undefined;

/** The process's own metrics, collected once per process however many hubs it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What a live feed shows the metrics at each scrape. */
export interface FeedGauge {
  /** Subscriptions registered now. */
  subscribers(): number;
  /** How many undelivered events each subscription has queued now. */
  queueDepths(): Iterable<number>;
}

/** What a statement's observer is told when it ends: nothing, or the error it failed with. */
export type StatementEnd = (error?: unknown) => void;

export type PoolName = 'main' | 'live' | 'replica';

/** A hub's metrics (see docs/operations.md for every name). */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly feeds = new Map<string, FeedGauge>();

  readonly graphqlRequests = new Counter({
    name: 'gridhub_graphql_requests_total',
    help: 'GraphQL requests over HTTP, by operation type and name, outcome (ok, error) and the first error code (none when ok)',
    labelNames: ['type', 'operation', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: 'gridhub_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request over HTTP to its response being made, by operation type and name',
    labelNames: ['type', 'operation'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'gridhub_http_requests_total',
    help: 'HTTP requests by route (the first path segment) and status class',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'gridhub_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its response, by route',
    labelNames: ['route'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'gridhub_refusals_total',
    help: 'Requests or operations refused by a limit (rate, depth, cost, size), by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly statements = new Counter({
    name: 'gridhub_db_statements_total',
    help: 'SQL statements sent, by pool',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly statementErrors = new Counter({
    name: 'gridhub_db_statement_errors_total',
    help: 'SQL statements that failed (including connection errors), by pool',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly statementDuration = new Histogram({
    name: 'gridhub_db_statement_duration_seconds',
    help: 'Time from a statement being queued on the pool to its result (waiting for a connection included), by pool',
    labelNames: ['pool'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly statementsInFlight = new Gauge({
    name: 'gridhub_db_statements_in_flight',
    help: 'SQL statements sent and not yet answered (queued for a connection or running), by pool',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly poolSize = new Gauge({
    name: 'gridhub_db_pool_max_connections',
    help: 'Connections a pool may open (1 on the embedded database)',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });
  readonly reads = new Counter({
    name: 'gridhub_db_reads_total',
    help: 'With a read replica: list, count and stats reads by where they went (replica, primary) and why (caught_up, waited, writing, own_write, lagging, down)',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });
  readonly websockets = new Gauge({
    name: 'gridhub_websocket_connections',
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly websocketsOpened = new Counter({
    name: 'gridhub_websocket_connections_opened_total',
    help: 'WebSocket connections accepted (before authentication)',
    registers: [this.registry],
  });
  readonly liveBatches = new Counter({
    name: 'gridhub_live_batches_total',
    help: 'Batches of records a live feed loaded and dispatched (one per bus event, or per gap recovery), by field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly liveDeliveries = new Counter({
    name: 'gridhub_live_deliveries_total',
    help: 'Records queued for a subscriber (one per record per subscriber that may see it), by field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly liveSlowCloses = new Counter({
    name: 'gridhub_live_slow_client_closes_total',
    help: 'Subscribers dropped because their queue overflowed (WebSocket closed with 1013), by field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly liveGapRecoveries = new Counter({
    name: 'gridhub_live_gap_recoveries_total',
    help: 'Records delivered after the bus reconnected (committed while its connection was down), by field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  constructor() {
    processMetrics();
    const feeds = this.feeds;
    new Gauge({
      name: 'gridhub_live_subscriptions',
      help: 'Live subscriptions registered now, by field',
      labelNames: ['field'] as const,
      registers: [this.registry],
      collect() {
        for (const [field, feed] of feeds) this.set({ field }, feed.subscribers());
      },
    });
    new Gauge({
      name: 'gridhub_live_queue_depth',
      help: 'Undelivered events queued for subscribers now, summed over a field',
      labelNames: ['field'] as const,
      registers: [this.registry],
      collect() {
        for (const [field, feed] of feeds) this.set({ field }, sum(feed.queueDepths()));
      },
    });
    new Gauge({
      name: 'gridhub_live_queue_depth_max',
      help: 'The longest queue of undelivered events of any subscriber of a field now (LIVE_QUEUE_CAPACITY closes it)',
      labelNames: ['field'] as const,
      registers: [this.registry],
      collect() {
        for (const [field, feed] of feeds) this.set({ field }, max(feed.queueDepths()));
      },
    });
  }

  /** A module's own counter on this hub's registry (`gridhub_<noun>_…_total`). */
  counter<Label extends string>(config: Omit<CounterConfiguration<Label>, 'registers'>): Counter<Label> {
    return new Counter<Label>({ ...config, registers: [this.registry] });
  }

  /** A module's own gauge on this hub's registry; `collect` may read it at each scrape. */
  gauge<Label extends string>(config: Omit<GaugeConfiguration<Label>, 'registers'>): Gauge<Label> {
    return new Gauge<Label>({ ...config, registers: [this.registry] });
  }

  /** The read replica's state, read at each scrape: whether it answers, and its lag. */
  registerReplica(status: () => { up: boolean; lagMs: number }): void {
    this.gauge({
      name: 'gridhub_replica_up',
      help: 'With a read replica: 1 when it answers as a standby, 0 when reads fall back to the primary',
      collect() {
        this.set(status().up ? 1 : 0);
      },
    });
    this.gauge({
      name: 'gridhub_replica_lag_seconds',
      help: 'With a read replica: how long ago the oldest primary WAL position it has not replayed was seen (0: caught up)',
      collect() {
        this.set(status().lagMs / 1000);
      },
    });
  }

  /** A live feed's gauges, read at each scrape. */
  registerFeed(field: string, gauge: FeedGauge): void {
    this.feeds.set(field, gauge);
  }

  /** An operation name as a label: the client's name while names stay few and well formed. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Counts one statement of `pool` from now until the returned function is called. */
  statement(pool: PoolName): StatementEnd {
    const started = performance.now();
    this.statementsInFlight.inc({ pool });
    return (error) => {
      this.statementsInFlight.dec({ pool });
      this.statements.inc({ pool });
      if (error !== undefined) this.statementErrors.inc({ pool });
      this.statementDuration.observe({ pool }, (performance.now() - started) / 1000);
    };
  }

  /** The Prometheus text of this hub's metrics, then the process's. */
  async text(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${process}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function max(values: Iterable<number>): number {
  let most = 0;
  for (const value of values) most = Math.max(most, value);
  return most;
}
