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
import { checkNotExpired, cursorOf, entriesAfter, headOf, isAfter, parseCursor, type LogEntry, type Position } from './live-log.js';

/**
 * Terminology
 * - feed: one live subscription field (`alertRaised`, `residentRequestSubmitted`, …) in one hub
 *   process. It holds ONE bus subscription for its topic, whatever the number of subscribers.
 * - head: the last live-log position (src/platform/pubsub/live-log.ts) this feed has read. Each
 *   NOTIFY (and each LISTEN re-established after a lost connection) makes the feed read the log
 *   after its head, in commit order: nothing committed is skipped, even across a gap in the bus.
 * - batch: the events read at once. Their records are loaded once per process, then dispatched
 *   through the unit index to the subscribers whose scope can hold them, each with its cursor.
 * - subscriber: one GraphQL subscription (one operation on one WebSocket). It checks its own
 *   ability and filter for every record, and owns a bounded queue; field masking happens when
 *   graphql-ws executes the selection with the subscriber's context. It is registered before
 *   anything is awaited; with `after`, it first replays the log from that cursor.
 */

/** The default number of undelivered records a subscriber may have queued before it is dropped. */
export const DEFAULT_QUEUE_CAPACITY = 5000;

/** WebSocket close code for a subscriber whose queue overflowed (documented in README). */
export const SLOW_CLIENT_CLOSE = { code: 1013, reason: 'Too slow: more undelivered events than the queue holds' } as const;

export interface LiveFeedConfig<Row extends { unitPath: string }, Item, Filter> {
  /** The bus topic: one whose events name records by id. */
  readonly topic: IdsTopic;
  /** The CASL subject read on each record. */
  readonly subject: SubjectName;
  /** What a CASL subject of this kind carries, from a row. */
  subjectOf(row: Row): Record<string, unknown>;
  /** The records of one batch, in any order; a record deleted since is left out. */
  load(db: Db, ids: readonly string[]): Promise<Row[]>;
  /**
   * Every unit path the record lives at, for the unit index and the filter's unit: by default
   * its own `unitPath`; a case also lives at its assignee unit.
   */
  pathsOf?(row: Row): readonly string[];
  /** The source value handed to GraphQL (the subscription field's root): a new object each call. */
  toItem(row: Row): Item;
  /** Checks the filter's own values (BAD_USER_INPUT) before anything else is done. */
  checkFilter?(filter: Filter): void;
  /**
   * The unit path the filter narrows to (NOT_FOUND for an unknown unit), if any. Read on the
   * live connections (`db` is `liveDb`), never the main pool: a subscription's set-up does not
   * queue behind ingests.
   */
  filterPath?(db: Db, filter: Filter): Promise<string | undefined>;
  /** Whether a record passes the subscriber's filter (its unit within `filterPath` is checked here already). */
  matches?(row: Row, filter: Filter): boolean;
}

/** Each item delivered carries its position in the topic's stream, as a cursor. */
export interface Cursored {
  cursor?: string | null;
}

/**
 * At most this many subscribers are offered records in one event-loop turn: between two such
 * chunks the process answers what else waits (ingest requests, database results), instead of
 * making them wait until every subscriber of a batch has been served.
 */
const OFFERS_PER_TURN = 500;
/** Events read from the live log at once. */
const LOG_PAGE = 200;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Offer<Row, Item> {
  readonly row: Row;
  readonly item: Item;
  readonly position: Position;
}

export class LiveFeed<Row extends { unitPath: string; id: string }, Item extends Cursored, Filter> {
  private readonly fanout = new UnitIndexedFanout<Row, Offer<Row, Item>>();
  /** The topic's LISTEN: in place, being opened, or (after a failure) undefined, to be opened again. */
  private listening: Promise<void> | undefined;
  /** The last log seq read; undefined until the LISTEN is in place and the log's head is read. */
  private head: number | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Every subscriber's queue, for the queue-depth gauges. */
  private readonly queues = new Set<BoundedQueue<Item>>();
  private readonly counted: FeedCounters;

  constructor(
    private readonly hub: Hub,
    private readonly config: LiveFeedConfig<Row, Item, Filter>,
    private readonly capacity: number = hub.config.liveQueueCapacity || DEFAULT_QUEUE_CAPACITY,
  ) {
    const field = { field: config.topic };
    const { metrics } = hub;
    this.counted = {
      batches: metrics.liveBatches.labels(field),
      deliveries: metrics.liveDeliveries.labels(field),
      slowCloses: metrics.liveSlowCloses.labels(field),
      gapRecoveries: metrics.liveGapRecoveries.labels(field),
    };
    metrics.registerFeed(config.topic, { subscribers: () => this.fanout.size, queueDepths: () => [...this.queues].map((queue) => queue.length) });
  }

  /**
   * Opens the topic's LISTEN (the hub does it at start-up, before it accepts connections), then
   * reads the log's head. A failed attempt is not kept: the next call tries again. Every NOTIFY,
   * and every LISTEN re-established after a lost connection, reads the log after the head.
   */
  listen(): Promise<void> {
    if (!this.listening) {
      const read = () => this.enqueue(() => this.readLog());
      // A LISTEN re-established after a lost connection: the log is read for what the bus missed.
      const recover = () => {
        this.counted.gapRecoveries.inc();
        this.hub.log.info(`${this.config.topic}: reading the live log after a lost LISTEN`);
        read();
      };
      const attempt = this.hub.bus.subscribe(this.config.topic, read, recover).then(() => {
        read();
        return this.chain;
      });
      this.listening = attempt;
      attempt.catch(() => {
        if (this.listening === attempt) this.listening = undefined;
      });
    }
    return this.listening;
  }

  /** Subscriptions currently registered in this process. */
  get subscribers(): number {
    return this.fanout.size;
  }

  /** Log reads are done one after another, so that delivery keeps commit order per process. */
  private enqueue(task: () => Promise<void>): void {
    const { tracer } = this.hub;
    const run = tracer && this.fanout.size > 0 ? () => inRootSpan(tracer, `live ${this.config.topic}`, { 'gridhub.live.field': this.config.topic, 'gridhub.live.subscribers': this.fanout.size }, task) : task;
    this.chain = this.chain.then(run).catch((error: unknown) => {
      this.hub.log.error(`${this.config.topic} delivery failed`, {
        error: String(error),
      });
    });
  }

  /** Reads and dispatches the events after the head (the first time, only reads the head). */
  private async readLog(): Promise<void> {
    const db = this.hub.database.liveDb;
    if (this.head === undefined) {
      this.head = await headOf(db, this.config.topic);
      return;
    }
    for (;;) {
      const entries = await entriesAfter(db, this.config.topic, this.head, LOG_PAGE);
      if (entries.length === 0) return;
      // Nobody listens here: move the head without loading.
      if (this.fanout.size > 0) await this.dispatch(await this.offersOf(entries));
      this.head = entries[entries.length - 1]!.seq;
      if (entries.length < LOG_PAGE) return;
    }
  }

  /** The records the entries name, loaded once, in log order, each with its position and item. */
  private async offersOf(entries: readonly LogEntry[]): Promise<Offer<Row, Item>[]> {
    const ids = [...new Set(entries.flatMap((entry) => entry.ids))];
    if (ids.length === 0) return [];
    const byId = new Map((await this.config.load(this.hub.database.liveDb, ids)).map((row) => [row.id, row]));
    const offers: Offer<Row, Item>[] = [];
    for (const entry of entries) {
      entry.ids.forEach((id, index) => {
        const row = byId.get(id);
        if (!row) return;
        const position = { seq: entry.seq, index };
        const item = this.config.toItem(row);
        // A copy per position: one record named by two events (changed twice) has two cursors.
        offers.push({
          row,
          position,
          item: Object.assign(Object.create(Object.getPrototypeOf(item) as object) as Item, item, { cursor: cursorOf(position) }),
        });
      });
    }
    return offers;
  }

  /** Offers each record, in order, to the subscribers on its paths, OFFERS_PER_TURN at a time. */
  private async dispatch(offers: readonly Offer<Row, Item>[]): Promise<void> {
    if (offers.length === 0) return;
    this.counted.batches.inc();
    let offered = 0;
    for (const offer of offers) {
      for (const watcher of this.fanout.candidates(this.config.pathsOf?.(offer.row) ?? [offer.row.unitPath])) {
        if (offered > 0 && offered % OFFERS_PER_TURN === 0) await nextTurn();
        offered++;
        watcher.offer(offer.row, offer);
      }
    }
  }

  /**
   * A subscriber's stream: FORBIDDEN when the caller may read no record of this kind. Registered
   * at once, before any wait (offers are held until its filter's unit is known and, with
   * `after`, until the replay from that cursor is done); indexed under the narrower of the
   * filter's unit and each of its scope roots; re-indexed when the connection's access changes.
   * The ability is read at each delivery, so a grant made or revoked since subscribing counts at
   * once. It delivers each record after its starting cursor once, in commit order; the "live now"
   * ping carries the cursor it started from.
   */
  async subscribe(ctx: RequestContext, filter: Filter | null | undefined, after?: string | null): Promise<AsyncIterableIterator<Item>> {
    requireCan(ctx, 'read', this.config.subject);
    if (filter && this.config.checkFilter) this.config.checkFilter(filter);
    const from = after ? parseCursor(after) : undefined;
    const subscriber = new Subscriber(ctx, this.config, filter, this.capacity, this.counted, this.queues);
    // Without a cursor: everything after what this process has read now.
    const start: Position = from ?? { seq: this.head ?? 0, index: Infinity };
    subscriber.delivered = start;
    subscriber.register(this.fanout);
    // A LISTEN that failed at start-up (or since) is tried again.
    if (!this.listening)
      void this.listen().catch((error: unknown) =>
        this.hub.log.error(`${this.config.topic}: LISTEN failed`, {
          error: String(error),
        }),
      );
    try {
      await subscriber.resolveFilter(this.hub.database.liveDb);
      if (from) {
        await checkNotExpired(this.hub.database.liveDb, from);
        await this.replay(subscriber, from);
      }
    } catch (error) {
      void subscriber.queue.return();
      throw error;
    }
    subscriber.release();
    ctx.announceLive?.({ cursor: cursorOf(start) });
    return subscriber.queue;
  }

  /** Offers a subscriber the events after `from` in the log, page by page, until none is left. */
  private async replay(subscriber: Subscriber<Row, Item, Filter>, from: Position): Promise<void> {
    let seq = from.index === Infinity ? from.seq : from.seq - 1;
    for (;;) {
      const entries = await entriesAfter(this.hub.database.liveDb, this.config.topic, seq, LOG_PAGE);
      if (entries.length === 0) return;
      for (const offer of await this.offersOf(entries)) subscriber.accept(offer);
      seq = entries[entries.length - 1]!.seq;
      if (entries.length < LOG_PAGE) return;
    }
  }
}

/** What a feed counts for /metrics, by its field. */
type FeedCounters = Record<'batches' | 'deliveries' | 'slowCloses' | 'gapRecoveries', { inc(by?: number): void }>;

/** One subscription: its queue, its filter, what it was offered while it was being set up. */
class Subscriber<Row extends { unitPath: string; id: string }, Item extends Cursored, Filter> {
  readonly queue: BoundedQueue<Item>;
  /** The last position delivered: an offer at or before it is not delivered again. */
  delivered: Position = { seq: 0, index: Infinity };
  private filterPath: string | undefined;
  /** Offers made while the subscription is being set up, decided once it is. */
  private held: Offer<Row, Item>[] | undefined = [];
  private remove: () => void = () => {};
  private stopReindexing: () => void = () => {};

  constructor(
    private readonly ctx: RequestContext,
    private readonly config: LiveFeedConfig<Row, Item, Filter>,
    private readonly filter: Filter | null | undefined,
    private readonly capacity: number,
    private readonly counted: FeedCounters,
    queues: Set<BoundedQueue<Item>>,
  ) {
    this.queue = new BoundedQueue<Item>(
      capacity,
      () => {
        this.remove();
        this.stopReindexing();
        queues.delete(this.queue);
      },
      () => this.overflow(),
    );
    queues.add(this.queue);
  }

  register(fanout: UnitIndexedFanout<Row, Offer<Row, Item>>): void {
    const watch = () => {
      this.remove();
      this.remove = fanout.add({
        roots: this.watchedUnits(),
        offer: (_row, offer) => this.offer(offer),
      } satisfies Watcher<Row, Offer<Row, Item>>);
    };
    watch();
    if (this.ctx.onAccessChange) this.stopReindexing = this.ctx.onAccessChange(watch);
    this.rewatch = watch;
  }

  private rewatch: () => void = () => {};

  async resolveFilter(db: Db): Promise<void> {
    if (!this.filter || !this.config.filterPath) return;
    this.filterPath = await this.config.filterPath(db, this.filter);
    this.rewatch();
  }

  /** Set-up done: the offers held meanwhile are decided, in order, and later ones at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const offer of held) this.accept(offer);
  }

  private offer(offer: Offer<Row, Item>): void {
    if (!this.held) return this.accept(offer);
    if (this.held.length < this.capacity) this.held.push(offer);
    else {
      this.overflow();
      void this.queue.return();
    }
  }

  /** Delivers the offer if it comes after what was delivered and the subscriber may and wants to see it. */
  accept({ row, item, position }: Offer<Row, Item>): void {
    if (!isAfter(position, this.delivered)) return;
    this.delivered = position;
    const { config, ctx, filter, filterPath } = this;
    if (!ctx.ability.can('read', subject(config.subject, config.subjectOf(row)))) return;
    if (filterPath && !(config.pathsOf?.(row) ?? [row.unitPath]).some((path) => isWithin(path, filterPath))) return;
    if (filter && config.matches && !config.matches(row, filter)) return;
    this.queue.push(item);
    this.counted.deliveries.inc();
  }

  private watchedUnits(): string[] {
    const { filterPath } = this;
    const roots = scopeRoots(this.ctx.ability, 'read', this.config.subject);
    const rootPaths = roots ?? [];
    if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath, root)))) return [lastCode(filterPath)];
    if (roots === null) return [EVERY_UNIT];
    return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
  }

  private overflow(): void {
    this.counted.slowCloses.inc();
    this.ctx.hub.log.info(`${this.config.topic} subscriber dropped: queue full`, { principal: this.ctx.principal.name });
    this.ctx.closeConnection?.(SLOW_CLIENT_CLOSE.code, SLOW_CLIENT_CLOSE.reason);
  }
}

/** Attempts at opening a feed's LISTEN at start-up, LISTEN_RETRY_MS apart (doubling). */
const LISTEN_ATTEMPTS = 5;
const LISTEN_RETRY_MS = 200;

/**
 * Opens every feed's LISTEN, each tried again (LISTEN_ATTEMPTS times, waiting longer each time)
 * when it fails; throws when one never succeeds (the hub does not start without its live feeds).
 */
export async function listenAll(feeds: readonly { listen(): Promise<void> }[], log: Hub['log']): Promise<void> {
  await Promise.all(
    feeds.map(async (feed) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await feed.listen();
        } catch (error) {
          if (attempt >= LISTEN_ATTEMPTS) throw error;
          log.error('LISTEN failed; trying again', {
            attempt,
            error: String(error),
          });
          await new Promise((resolve) => setTimeout(resolve, LISTEN_RETRY_MS * 2 ** (attempt - 1)));
        }
      }
    }),
  );
}
