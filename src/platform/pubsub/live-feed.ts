import type { Db } from '../db/database.js';
import type { Hub, RequestContext } from '../context.js';
import { subject, type SubjectName } from '../auth/ability.js';
import { requireCan } from '../auth/guard.js';
import { scopeRoots } from '../auth/scope-roots.js';
import { isWithin, lastCode } from '../auth/scope.js';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from './fanout.js';
import { BoundedQueue } from './queue.js';
import type { IdsTopic } from './bus.js';
import { inRootSpan } from '../tracing.js';

/**
 * Terminology
 * - feed: one live subscription field (`alertRaised`, `residentRequestSubmitted`, …) in one hub
 *   process. It holds ONE bus subscription for its topic, whatever the number of subscribers.
 * - batch: the ids one event names. Each batch's records are loaded once per process, then
 *   dispatched through the unit index to the subscribers whose scope can hold them.
 * - subscriber: one GraphQL subscription (one operation on one WebSocket). It checks its own
 *   ability and filter for every record, and owns a bounded queue; field masking happens when
 *   graphql-ws executes the selection with the subscriber's context.
 * - gap: while the bus is disconnected (the LISTEN connection dropped), NOTIFYs are lost.
 *   When the bus resumes, a feed with `since` reloads what was committed in the gap and
 *   delivers what it has not delivered yet (ids seen recently are remembered).
 */

/** The default number of undelivered records a subscriber may have queued before it is dropped. */
export const DEFAULT_QUEUE_CAPACITY = 5000;

/** WebSocket close code for a subscriber whose queue overflowed (documented in README). */
export const SLOW_CLIENT_CLOSE = { code: 1013, reason: 'Too slow: more undelivered events than the queue holds' } as const;

/** An event naming committed records by id. */
export interface IdsEvent {
  ids: string[];
}

export interface LiveFeedConfig<Row extends { unitPath: string }, Item, Filter> {
  /** The bus topic: one whose events name records by id. */
  readonly topic: IdsTopic;
  /** The CASL subject read on each record. */
  readonly subject: SubjectName;
  /** What a CASL subject of this kind carries, from a row. */
  subjectOf(row: Row): Record<string, unknown>;
  /** The records of one batch; order does not matter (`timeOf` sorts them). */
  load(db: Db, ids: readonly string[]): Promise<Row[]>;
  /**
   * Every unit path the record lives at, for the unit index and the filter's unit: by default
   * its own `unitPath`; a case also lives at its assignee unit.
   */
  pathsOf?(row: Row): readonly string[];
  /** The record's time: batches are delivered in this order, and the gap is measured with it. */
  timeOf(row: Row): Date;
  /** The source value handed to GraphQL (the subscription field's root). */
  toItem(row: Row): Item;
  /** Checks the filter's own values (BAD_USER_INPUT) before anything else is done. */
  checkFilter?(filter: Filter): void;
  /** The unit path the filter narrows to (NOT_FOUND for an unknown unit), if any. */
  filterPath?(ctx: RequestContext, filter: Filter): Promise<string | undefined>;
  /** Whether a record passes the subscriber's filter (its unit within `filterPath` is checked here already). */
  matches?(row: Row, filter: Filter): boolean;
  /**
   * Records whose `timeOf` is at or after `from`, oldest first, at most `limit`: what the gap
   * may have held. Absent → a gap is not recovered (documented per feed), and the same id may be
   * delivered again and again (a device whose status changes twice is two events).
   */
  since?(db: Db, from: Date, limit: number): Promise<Row[]>;
}

/**
 * At most this many subscribers are offered records in one event-loop turn: between two such
 * chunks the process answers what else waits (ingest requests, database results), instead of
 * making them wait until every subscriber of a batch has been served.
 */
const OFFERS_PER_TURN = 500;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How far back of the last record seen a gap is reloaded: covers commit order ≠ time order. */
const GAP_MARGIN_MS = 10_000;
/** How long delivered ids are remembered (so that a reload never delivers twice). */
const SEEN_TTL_MS = 5 * 60_000;
/** At most this many records are reloaded after a gap. */
const GAP_LIMIT = 10_000;

export class LiveFeed<Row extends { unitPath: string; id: string }, Item, Filter> {
  private readonly fanout = new UnitIndexedFanout<Row, Item>();
  private readonly ready: Promise<unknown>;
  /** Ids delivered recently, with when they were seen (insertion order = time order). */
  private readonly seen = new Map<string, number>();
  private lastTime: number;
  private chain: Promise<void> = Promise.resolve();
  /** Every subscriber's queue, for the queue-depth gauges. */
  private readonly queues = new Set<BoundedQueue<Item>>();
  private readonly counted: Record<'batches' | 'deliveries' | 'slowCloses' | 'gapRecoveries', { inc(by?: number): void }>;

  constructor(
    private readonly hub: Hub,
    private readonly config: LiveFeedConfig<Row, Item, Filter>,
    private readonly capacity: number = hub.config.liveQueueCapacity || DEFAULT_QUEUE_CAPACITY,
  ) {
    this.lastTime = hub.clock.now().getTime();
    const field = { field: config.topic };
    const { metrics } = hub;
    this.counted = {
      batches: metrics.liveBatches.labels(field),
      deliveries: metrics.liveDeliveries.labels(field),
      slowCloses: metrics.liveSlowCloses.labels(field),
      gapRecoveries: metrics.liveGapRecoveries.labels(field),
    };
    metrics.registerFeed(config.topic, { subscribers: () => this.fanout.size, queueDepths: () => [...this.queues].map((queue) => queue.length) });
    // After the bus lost its connection, a feed that can reload what it missed (`since`) does.
    const onGap = config.since ? () => this.enqueue(() => this.recoverGap()) : undefined;
    this.ready = hub.bus.subscribe(config.topic, (event) => this.enqueue(() => this.onEvent(event)), onGap);
  }

  /** Subscriptions currently registered in this process. */
  get subscribers(): number {
    return this.fanout.size;
  }

  /** Batches are handled one after another, so that delivery keeps commit order per process. */
  private enqueue(task: () => Promise<void>): void {
    const { tracer } = this.hub;
    const run = tracer && this.fanout.size > 0 ? () => inRootSpan(tracer, `live ${this.config.topic}`, { 'gridhub.live.field': this.config.topic, 'gridhub.live.subscribers': this.fanout.size }, task) : task;
    this.chain = this.chain.then(run).catch((error: unknown) => {
      this.hub.log.error(`${this.config.topic} delivery failed`, { error: String(error) });
    });
  }

  private async onEvent(event: IdsEvent): Promise<void> {
    if (!this.config.since) {
      if (this.fanout.size === 0 || event.ids.length === 0) return;
      const rows = inIdOrder(await this.config.load(this.hub.database.liveDb, event.ids), event.ids);
      rows.sort((a, b) => this.config.timeOf(a).getTime() - this.config.timeOf(b).getTime());
      await this.dispatch(rows);
      return;
    }
    const fresh = event.ids.filter((id) => !this.seen.has(id));
    if (fresh.length === 0) return;
    // Nobody listens: remember the ids and the time (a later gap starts from here) without loading.
    if (this.fanout.size === 0) {
      const now = this.hub.clock.now().getTime();
      for (const id of fresh) this.seen.set(id, now);
      this.lastTime = Math.max(this.lastTime, now);
      this.prune(now);
      return;
    }
    await this.deliver(inIdOrder(await this.config.load(this.hub.database.liveDb, fresh), fresh));
  }

  private async recoverGap(): Promise<void> {
    const from = new Date(this.lastTime - GAP_MARGIN_MS);
    const rows = await this.config.since!(this.hub.database.liveDb, from, GAP_LIMIT);
    const missed = rows.filter((row) => !this.seen.has(row.id));
    if (missed.length > 0) {
      this.hub.log.info(`${this.config.topic}: delivering records committed while the bus was away`, { count: missed.length });
      this.counted.gapRecoveries.inc(missed.length);
    }
    await this.deliver(missed);
  }

  private async deliver(rows: Row[]): Promise<void> {
    rows.sort((a, b) => this.config.timeOf(a).getTime() - this.config.timeOf(b).getTime());
    const now = this.hub.clock.now().getTime();
    const fresh: Row[] = [];
    for (const row of rows) {
      if (this.seen.has(row.id)) continue;
      this.seen.set(row.id, now);
      this.lastTime = Math.max(this.lastTime, Math.min(this.config.timeOf(row).getTime(), now));
      fresh.push(row);
    }
    this.prune(now);
    await this.dispatch(fresh);
  }

  /**
   * Offers each record, in order, to the subscribers on its paths, OFFERS_PER_TURN at a time.
   * Each record's GraphQL source value is made once and handed to all of them.
   */
  private async dispatch(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let offered = 0;
    let delivered = 0;
    for (const row of rows) {
      const item = this.config.toItem(row);
      for (const watcher of this.fanout.candidates(this.config.pathsOf?.(row) ?? [row.unitPath])) {
        if (offered > 0 && offered % OFFERS_PER_TURN === 0) await nextTurn();
        offered++;
        if (watcher.offer(row, item)) delivered++;
      }
    }
    this.counted.batches.inc();
    if (delivered > 0) this.counted.deliveries.inc(delivered);
  }

  private prune(now: number): void {
    for (const [id, at] of this.seen) {
      if (now - at < SEEN_TTL_MS) break;
      this.seen.delete(id);
    }
  }

  /**
   * A subscriber's stream: FORBIDDEN when the caller may read no record of this kind. Indexed
   * under the narrower of the filter's unit and each of its scope roots; re-indexed when the
   * connection's access changes. The ability is read at each delivery, so a grant made or
   * revoked since subscribing counts at once.
   */
  async subscribe(ctx: RequestContext, filter: Filter | null | undefined): Promise<AsyncIterableIterator<Item>> {
    requireCan(ctx, 'read', this.config.subject);
    if (filter && this.config.checkFilter) this.config.checkFilter(filter);
    await this.ready;
    const filterPath = filter && this.config.filterPath ? await this.config.filterPath(ctx, filter) : undefined;
    const watchedUnits = (): string[] => {
      const roots = scopeRoots(ctx.ability, 'read', this.config.subject);
      const rootPaths = roots ?? [];
      if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath, root)))) return [lastCode(filterPath)];
      if (roots === null) return [EVERY_UNIT];
      return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
    };

    let remove: () => void = () => {};
    let stopReindexing: () => void = () => {};
    const queue = new BoundedQueue<Item>(
      this.capacity,
      () => {
        remove();
        stopReindexing();
        this.queues.delete(queue);
      },
      () => {
        this.counted.slowCloses.inc();
        this.hub.log.info(`${this.config.topic} subscriber dropped: queue full`, { principal: ctx.principal.name });
        ctx.closeConnection?.(SLOW_CLIENT_CLOSE.code, SLOW_CLIENT_CLOSE.reason);
      },
    );
    const { config } = this;
    const watch = () => {
      remove();
      remove = this.fanout.add({
        roots: watchedUnits(),
        offer: (row, item) => {
          if (!ctx.ability.can('read', subject(config.subject, config.subjectOf(row)))) return false;
          if (filterPath && !(config.pathsOf?.(row) ?? [row.unitPath]).some((path) => isWithin(path, filterPath))) return false;
          if (filter && config.matches && !config.matches(row, filter)) return false;
          queue.push(item);
          return true;
        },
      } satisfies Watcher<Row, Item>);
    };
    this.queues.add(queue);
    watch();
    if (ctx.onAccessChange) stopReindexing = ctx.onAccessChange(watch);
    return queue;
  }
}

/**
 * The rows in the order of the event's ids (the order the writer published them: a batch's
 * input order). `load` answers in whatever order the database returns, which follows where rows
 * sit in the table; records of one commit share their time, and the stable sort by time that
 * follows keeps this order among them.
 */
function inIdOrder<R extends { id: string }>(rows: R[], ids: readonly string[]): R[] {
  const position = new Map(ids.map((id, index) => [id, index]));
  return rows.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
}
