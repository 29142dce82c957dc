import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/database.js';
import { executeRows } from '../db/rows.js';
import { BadUserInputError, CursorExpiredError } from '../errors.js';

/**
 * Terminology
 * - live log: the table `live_log` (migrations/0008_live_log.sql). Each event a live topic
 *   publishes is also written there, in the writing transaction: its topic and the ids it names.
 *   At commit it is numbered (`seq`) in commit order, with no number visible before every lower
 *   one is.
 * - position: where a record stands in its topic's stream: its event's `seq` and its index among
 *   the event's ids. Positions are totally ordered; a record changed twice (a case, a device)
 *   has two positions, one per change.
 * - cursor: a position as the client sees it, an opaque string: `<seq>:<index>` for a record,
 *   `<seq>` for "after everything numbered up to seq".
 */

export interface Position {
  readonly seq: number;
  /** The record's index among its event's ids; Infinity: after the whole event. */
  readonly index: number;
}

export interface LogEntry {
  readonly seq: number;
  readonly ids: readonly string[];
}

export function cursorOf(position: Position): string {
  return Number.isFinite(position.index) ? `${position.seq}:${position.index}` : String(position.seq);
}

/** BAD_USER_INPUT (field `after`) for a string that is not a cursor. */
export function parseCursor(cursor: string): Position {
  const match = /^(\d{1,15})(?::(\d{1,6}))?$/.exec(cursor);
  if (!match) throw new BadUserInputError(`after: "${cursor.slice(0, 40)}" is not a live cursor (take one from an event's cursor or a "live now" ping)`, 'after');
  return {
    seq: Number(match[1]),
    index: match[2] === undefined ? Infinity : Number(match[2]),
  };
}

export function isAfter(a: Position, b: Position): boolean {
  return a.seq > b.seq || (a.seq === b.seq && a.index > b.index);
}

/** Writes an event of `topic` naming `ids` to the live log, inside the writing transaction. */
export async function appendToLog(executor: Executor, topic: string, ids: readonly string[]): Promise<void> {
  await executor.execute(sql`insert into live_log (topic, ids) values (${topic}, ${JSON.stringify(ids)}::jsonb)`);
}

/** The highest seq of `topic` visible now (0 when none): every lower one is visible too. */
export async function headOf(db: Db, topic: string): Promise<number> {
  const rows = await executeRows<{ head: string | number | null }>(db, sql`select max(seq) as head from live_log where topic = ${topic}`);
  return Number(rows[0]?.head ?? 0);
}

/** The events of `topic` numbered after `seq`, in order, at most `limit`. */
export async function entriesAfter(db: Db, topic: string, seq: number, limit: number): Promise<LogEntry[]> {
  const rows = await executeRows<{
    seq: string | number;
    ids: string[] | string;
  }>(db, sql`select seq, ids from live_log where topic = ${topic} and seq > ${seq} order by seq limit ${limit}`);
  return rows.map((row) => ({
    seq: Number(row.seq),
    ids: typeof row.ids === 'string' ? (JSON.parse(row.ids) as string[]) : row.ids,
  }));
}

/**
 * CURSOR_EXPIRED when the events after `position` may have been pruned already: it is before the
 * horizon, or names a record inside the last event pruned (the event's later records are gone).
 */
export async function checkNotExpired(db: Db, position: Position): Promise<void> {
  const rows = await executeRows<{ pruned: string | number }>(db, sql`select pruned_through as pruned from live_log_horizon where id = 1`);
  const pruned = Number(rows[0]?.pruned ?? 0);
  if (position.seq < pruned || (position.seq === pruned && Number.isFinite(position.index))) throw new CursorExpiredError(cursorOf(position), String(pruned));
}

/**
 * Deletes the events logged more than `days` ago; a cursor before the newest of them has expired
 * (CURSOR_EXPIRED). Returns how many were deleted.
 */
export async function pruneLog(db: Db, days: number): Promise<number> {
  const rows = await executeRows<{
    deleted: string | number;
    through: string | number | null;
  }>(
    db,
    sql`
      with gone as (delete from live_log where logged_at < now() - make_interval(days => ${days}) and seq is not null returning seq),
      bounded as (update live_log_horizon set pruned_through = greatest(pruned_through, (select max(seq) from gone)) where id = 1 and exists (select 1 from gone))
      select count(*) as deleted, max(seq) as through from gone`,
  );
  return Number(rows[0]?.deleted ?? 0);
}
