import type postgres from 'postgres';

/**
 * (Generic over the drizzle handle `Db` of database.ts, which opens the replica's pool.)
 *
 * Terminology
 * - replica: a PostgreSQL streaming standby of the primary (`DATABASE_REPLICA_URL`), made with
 *   `pg_basebackup -R` or any other physical replication. It replays the primary's WAL.
 * - LSN: a position in the WAL (`0/3000148`), as a bigint here. A write is on the replica once
 *   the replica's `pg_last_wal_replay_lsn()` has reached the primary's `pg_current_wal_lsn()`
 *   taken after the write committed.
 * - lag: how long ago the oldest primary position the replica has not replayed yet was seen
 *   (0 when it has replayed everything seen). Sampled every POLL_MS; a primary with no writes
 *   has no lag, however old the replica's last replayed transaction.
 * - route: where one request's list, count and stats reads go, and why (the `reason` of
 *   `gridhub_db_reads_total`).
 */

/** Why a read went where it went (docs/scaling.md, "Read replicas"). */
export type ReadReason =
  /** Replica: it had replayed everything the caller wrote. */
  | 'caught_up'
  /** Replica: it reached the caller's last write within REPLICA_READ_WAIT_MS. */
  | 'waited'
  /** Primary: the operation writes (a mutation), or is live (WebSocket). */
  | 'writing'
  /** Primary: the replica had not replayed the caller's last write within REPLICA_READ_WAIT_MS. */
  | 'own_write'
  /** Primary: the replica lags more than REPLICA_MAX_LAG_MS. */
  | 'lagging'
  /** Primary: the replica cannot be reached, or is no standby. */
  | 'down';

export type ReadTarget = 'replica' | 'primary';

export interface ReplicaSettings {
  /** REPLICA_MAX_LAG_MS: past this lag every read goes to the primary. */
  readonly maxLagMs: number;
  /** REPLICA_READ_WAIT_MS: how long a read after the caller's own write waits for the replica before it goes to the primary. */
  readonly waitMs: number;
}

/** How often the replica's position and the primary's are sampled. */
export const POLL_MS = 250;
/** How often a read waiting for the caller's write asks the replica again. */
const WAIT_STEP_MS = 5;
/** Primary positions kept for the lag; beyond this they are thinned (`LagClock.thin`). */
const MAX_SAMPLES = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `0/3000148` → 0x3000148n; undefined for null (not a standby) or anything else. */
export function parseLsn(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  return match ? (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`) : undefined;
}

/**
 * The replica's lag from samples of the primary's position: each sample is (time seen,
 * position); once the replica has replayed a position, its sample goes. The lag is the age of
 * the oldest sample left.
 */
export class LagClock {
  private readonly samples: { at: number; lsn: bigint }[] = [];
  private replayed = -1n;

  /** The primary was at `lsn` at `at` (ms). */
  primaryAt(lsn: bigint, at: number): void {
    const last = this.samples.at(-1);
    if (lsn <= this.replayed || (last && last.lsn >= lsn)) return;
    this.samples.push({ at, lsn });
    if (this.samples.length > MAX_SAMPLES) this.thin();
  }

  /**
   * Halves the samples: each pair after the oldest becomes one with the pair's earlier time and
   * later position, which says the primary got there sooner than it did: the lag is then
   * overestimated, never under.
   */
  private thin(): void {
    const kept = [this.samples[0]!];
    for (let i = 1; i < this.samples.length; i += 2) {
      const first = this.samples[i]!;
      kept.push({ at: first.at, lsn: (this.samples[i + 1] ?? first).lsn });
    }
    this.samples.splice(0, this.samples.length, ...kept);
  }

  /** The replica has replayed up to `lsn`. */
  replayedTo(lsn: bigint): void {
    if (lsn > this.replayed) this.replayed = lsn;
    while (this.samples.length && this.samples[0]!.lsn <= lsn) this.samples.shift();
  }

  lagMs(now: number): number {
    const oldest = this.samples[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }
}

/** What /readyz and the metrics show of the replica. */
export interface ReplicaStatus {
  readonly up: boolean;
  readonly lagMs: number;
}

/**
 * Where reads may go when DATABASE_REPLICA_URL is set: the replica's own pool (`db`), the
 * replica's and the primary's positions (sampled every POLL_MS), and the position of each
 * principal's last write in this process.
 */
export class ReplicaReads<Db> {
  private up = false;
  private replayed: bigint | undefined;
  private readonly lag = new LagClock();
  /** Principal name → the primary's position after its last write (gone once the replica replays it). */
  private readonly written = new Map<string, bigint>();
  /** Principals whose write's position could not be read (the primary was gone): their reads stay on the primary. */
  private readonly pending = new Set<string>();
  private probing: Promise<bigint | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private listener: ((target: ReadTarget, reason: ReadReason) => void) | undefined;
  private downLogged = false;

  constructor(
    /** The replica's pool, through which its reads run (statements counted as pool `replica`). */
    readonly db: Db,
    private readonly replicaSql: postgres.Sql,
    private readonly primarySql: postgres.Sql,
    private readonly settings: ReplicaSettings,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Starts sampling; the first sample is awaited, so that the first reads already know the replica's state. */
  async start(): Promise<void> {
    await this.poll();
    const next = () => {
      if (this.closed) return;
      this.timer = setTimeout(() => void this.poll().finally(next), POLL_MS);
      this.timer.unref();
    };
    next();
  }

  /** Told of every routing decision (the metrics count them). */
  onRoute(listener: ((target: ReadTarget, reason: ReadReason) => void) | undefined): void {
    this.listener = listener;
  }

  status(): ReplicaStatus {
    return { up: this.up, lagMs: this.lag.lagMs(Date.now()) };
  }

  /**
   * Where `principal`'s read goes: the replica when it is up, lags at most REPLICA_MAX_LAG_MS
   * and has replayed the principal's last write (waiting up to REPLICA_READ_WAIT_MS for it);
   * `primary` otherwise.
   */
  async route(principal: string, primary: Db): Promise<Db> {
    const [target, reason] = await this.decide(principal);
    this.listener?.(target, reason);
    return target === 'replica' ? this.db : primary;
  }

  /** A read that does not even ask (the operation writes, or is live): counted as such. */
  primaryFor(reason: 'writing'): void {
    this.listener?.('primary', reason);
  }

  private async decide(principal: string): Promise<[ReadTarget, ReadReason]> {
    if (!this.up) return ['primary', 'down'];
    if (this.lag.lagMs(Date.now()) > this.settings.maxLagMs) return ['primary', 'lagging'];
    if (this.pending.has(principal)) return ['primary', 'own_write'];
    const needed = this.written.get(principal);
    if (needed === undefined || (this.replayed !== undefined && this.replayed >= needed)) return ['replica', 'caught_up'];
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const replayed = await this.probe();
      if (replayed === undefined) return ['primary', 'down'];
      if (replayed >= needed) return ['replica', 'waited'];
      if (Date.now() >= deadline) return ['primary', 'own_write'];
      await sleep(WAIT_STEP_MS);
    }
  }

  /**
   * After `principal` wrote (its transaction committed): the primary's position now, which its
   * next reads wait for on the replica.
   */
  async noteWrite(principal: string): Promise<void> {
    try {
      const [row] = await this.primarySql`select pg_current_wal_lsn()::text as lsn`;
      const lsn = parseLsn(row?.['lsn']);
      if (lsn !== undefined) this.wroteAt(principal, lsn);
    } catch {
      // The primary went away right after the write: its reads stay on the primary until the
      // next sample's position (taken once it is back, so past this write) replaces this.
      this.pending.add(principal);
    }
  }

  private wroteAt(principal: string, lsn: bigint): void {
    const before = this.written.get(principal);
    if (before === undefined || lsn > before) this.written.set(principal, lsn);
  }

  /** The replica's replay position now, one query shared by every read waiting at once; undefined when it cannot be had. */
  private probe(): Promise<bigint | undefined> {
    this.probing ??= this.replayPosition().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async replayPosition(): Promise<bigint | undefined> {
    try {
      const [row] = await this.replicaSql`select pg_last_wal_replay_lsn()::text as lsn`;
      const lsn = parseLsn(row?.['lsn']);
      this.replayedTo(lsn);
      return lsn;
    } catch (error) {
      this.markDown(error);
      return undefined;
    }
  }

  private replayedTo(lsn: bigint | undefined): void {
    if (lsn === undefined) {
      this.markDown(new Error('the replica is no standby (pg_last_wal_replay_lsn() is null)'));
      return;
    }
    this.up = true;
    this.downLogged = false;
    if (this.replayed === undefined || lsn > this.replayed) this.replayed = lsn;
    this.lag.replayedTo(lsn);
    for (const [principal, written] of this.written) if (written <= lsn) this.written.delete(principal);
  }

  /** A statement on the replica failed because it is unreachable: reads go to the primary until the next sample finds it again. */
  markDown(error: unknown): void {
    this.up = false;
    if (!this.downLogged) this.warn(`read replica unavailable, reading from the primary: ${error instanceof Error ? error.message : String(error)}`);
    this.downLogged = true;
  }

  private async poll(): Promise<void> {
    // Only those pending before the position is asked for: it is past their writes.
    const pending = [...this.pending];
    try {
      const [row] = await this.primarySql`select pg_current_wal_lsn()::text as lsn`;
      const lsn = parseLsn(row?.['lsn']);
      if (lsn !== undefined) {
        this.lag.primaryAt(lsn, Date.now());
        for (const principal of pending) {
          this.wroteAt(principal, lsn);
          this.pending.delete(principal);
        }
      }
    } catch {
      // The primary's own outage is answered elsewhere (SERVICE_UNAVAILABLE, /readyz).
    }
    await this.probe();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.replicaSql.end({ timeout: 5 });
  }
}

/**
 * One request's reads: `db()` is where its list, count and stats reads go. Without a replica,
 * on a WebSocket (`live`), or once the operation is known to write (`writing`), that is the
 * primary. `wrote()` after a write makes the principal's next reads wait for the replica.
 */
export class RequestReads<Db> {
  /** Set when the operation is a mutation: all its reads stay on the primary. */
  writing = false;

  constructor(
    private readonly replica: ReplicaReads<Db> | undefined,
    private readonly primary: Db,
    private readonly principal: () => string,
    private readonly live = false,
  ) {}

  async db(): Promise<Db> {
    if (!this.replica || this.live) return this.primary;
    if (this.writing) {
      this.replica.primaryFor('writing');
      return this.primary;
    }
    return this.replica.route(this.principal(), this.primary);
  }

  /**
   * The operation wrote and committed: the principal's next reads, here or in its next
   * requests to this process, see it (on the replica once replayed, else on the primary).
   */
  async wrote(): Promise<void> {
    await this.replica?.noteWrite(this.principal());
  }
}
