import type { Db } from '../db/database.js';
import type { Hub, RequestContext } from '../context.js';
import { subject, type SubjectName } from '../auth/ability.js';
import { requireCan } from '../auth/guard.js';
import { scopeRoots } from '../auth/scope-roots.js';
import { isWithin, lastCode } from '../auth/scope.js';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from './fanout.js';
import { BoundedQueue } from './queue.js';
import type { IdsTopic } from './bus.js';

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
export const SLOW_CLIENT_CLOSE = { code: 4429, reason: 'Too slow: more undelivered events than the queue holds' } as const;

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
  /**
   * The unit path the filter narrows to (NOT_FOUND for an unknown unit), if any. Read on the
   * live connections (`db` is `liveDb`), never the main pool: a subscription's set-up does not
   * queue behind ingests.
   */
  filterPath?(db: Db, filter: Filter): Promise<string | undefined>;
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
  /** The topic's LISTEN: in place, being opened, or (after a failure) undefined, to be opened again. */
  private listening: Promise<void> | undefined;
  /** Ids delivered recently, with when they were seen (insertion order = time order). */
  private readonly seen = new Map<string, number>();
  private lastTime: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: Hub,
    private readonly config: LiveFeedConfig<Row, Item, Filter>,
    private readonly capacity: number = hub.config.liveQueueCapacity || DEFAULT_QUEUE_CAPACITY,
  ) {
    this.lastTime = hub.clock.now().getTime();
  }

  /**
   * Opens the topic's LISTEN (the hub does it at start-up, before it accepts connections).
   * A failed attempt is not kept: the next call tries again.
   */
  listen(): Promise<void> {
    if (!this.listening) {
      // After the bus lost its connection, a feed that can reload what it missed (`since`) does.
      const onGap = this.config.since ? () => this.enqueue(() => this.recoverGap()) : undefined;
      const attempt = this.hub.bus.subscribe(this.config.topic, (event) => this.enqueue(() => this.onEvent(event)), onGap).then(() => {});
      this.listening = attempt;
      attempt.catch(() => {
        if (this.listening === attempt) this.listening = undefined;
      });
    }
    return this.listening;
  }

  /** Whether the topic's LISTEN is in place (or being opened). */
  get listens(): boolean {
    return this.listening !== undefined;
  }

  /** Subscriptions currently registered in this process. */
  get subscribers(): number {
    return this.fanout.size;
  }

  /** Batches are handled one after another, so that delivery keeps commit order per process. */
  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error: unknown) => {
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
    if (missed.length > 0) this.hub.log.info(`${this.config.topic}: delivering records committed while the bus was away`, { count: missed.length });
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
    let offered = 0;
    for (const row of rows) {
      const item = this.config.toItem(row);
      for (const watcher of this.fanout.candidates(this.config.pathsOf?.(row) ?? [row.unitPath])) {
        if (offered > 0 && offered % OFFERS_PER_TURN === 0) await nextTurn();
        offered++;
        watcher.offer(row, item);
      }
    }
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
    const { config } = this;
    // Registered before the first wait: from here on, every record this process dispatches is
    // offered to this subscriber. Until the filter's unit is known, offers are held (`held`)
    // under the broader scope roots, and decided once it is.
    let filterPath: string | undefined;
    let held: { row: Row; item: Item }[] | undefined = filter && config.filterPath ? [] : undefined;
    const watchedUnits = (): string[] => {
      const roots = scopeRoots(ctx.ability, 'read', config.subject);
      const rootPaths = roots ?? [];
      if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath!, root)))) return [lastCode(filterPath)];
      if (roots === null) return [EVERY_UNIT];
      return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
    };
    let remove: () => void = () => {};
    let stopReindexing: () => void = () => {};
    const overflow = () => {
      this.hub.log.info(`${config.topic} subscriber dropped: queue full`, { principal: ctx.principal.name });
      ctx.closeConnection?.(SLOW_CLIENT_CLOSE.code, SLOW_CLIENT_CLOSE.reason);
    };
    const queue = new BoundedQueue<Item>(
      this.capacity,
      () => {
        remove();
        stopReindexing();
      },
      overflow,
    );
    const accept = (row: Row, item: Item): void => {
      if (!ctx.ability.can('read', subject(config.subject, config.subjectOf(row)))) return;
      if (filterPath && !(config.pathsOf?.(row) ?? [row.unitPath]).some((path) => isWithin(path, filterPath!))) return;
      if (filter && config.matches && !config.matches(row, filter)) return;
      queue.push(item);
    };
    const watch = () => {
      remove();
      remove = this.fanout.add({
        roots: watchedUnits(),
        offer: (row, item) => {
          if (!held) return accept(row, item);
          if (held.length < this.capacity) held.push({ row, item });
          else {
            overflow();
            void queue.return();
          }
        },
      } satisfies Watcher<Row, Item>);
    };
    watch();
    if (ctx.onAccessChange) stopReindexing = ctx.onAccessChange(watch);
    // A LISTEN that failed at start-up (or since) is tried again; what it missed is the gap's.
    if (!this.listening) void this.listen().catch((error: unknown) => this.hub.log.error(`${config.topic}: LISTEN failed`, { error: String(error) }));
    if (held && filter && config.filterPath) {
      try {
        filterPath = await config.filterPath(this.hub.database.liveDb, filter);
      } catch (error) {
        void queue.return();
        throw error;
      }
      const offers = held;
      held = undefined;
      watch();
      for (const { row, item } of offers) accept(row, item);
    }
    ctx.announceLive?.({});
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
          log.error('LISTEN failed; trying again', { attempt, error: String(error) });
          await new Promise((resolve) => setTimeout(resolve, LISTEN_RETRY_MS * 2 ** (attempt - 1)));
        }
      }
    }),
  );
}
