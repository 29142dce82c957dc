import { and, eq, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Hub } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { withinPath } from '../../platform/db/path.js';
import { tierColumn, type PlacedTable } from '../../platform/db/placement.js';
import { codesOfPath, lastCode, tierOfPath, TIERS } from '../../platform/auth/scope.js';
import { invariant } from '../../platform/invariant.js';
import type { Job } from '../../platform/scheduler.js';
import { unitMoves, type UnitMoveRow } from '../units/index.js';

/**
 * Terminology
 * - rehome: after a unit moved (or was merged into another), rewrite every record placed within
 *   its old path to the new one: the path, the per-tier codes above the unit, and on a merge the
 *   unit code. Done in batches of REHOME_BATCH rows, each its own statement and transaction, so
 *   that reads never wait and writes wait at most one batch; nothing is read into the hub.
 */
export const REHOME_BATCH = 5000;

declare module '../../platform/hooks.js' {
  interface Hooks {
    /** The tables a module places in the hierarchy: what follows a unit that moves. */
    placedRecords: readonly PlacedTable[];
  }
}

const col = (column: PgColumn) => sql.identifier(column.name);

/** The SET list of one path column: the new prefix, the tier codes above and at the unit, and its code on a merge. */
function assignments(spec: PlacedTable['paths'][number], move: UnitMoveRow): SQL {
  const sets: SQL[] = [sql`${col(spec.path)} = ${move.toPath} || substr(${spec.path}, ${move.fromPath.length + 1})`];
  if (spec.tiers) {
    codesOfPath(move.toPath).forEach((code, index) => {
      sets.push(sql`${col(tierColumn(spec.tiers!, TIERS[index]!))} = ${code}`);
    });
  }
  const from = lastCode(move.fromPath);
  const to = lastCode(move.toPath);
  if (spec.code && from !== to) sets.push(sql`${col(spec.code)} = case when ${spec.code} = ${from} then ${to} else ${spec.code} end`);
  return sql.join(sets, sql`, `);
}

/** Rows still at the old path; on a full placement through the unit's own tier column (its index). */
function stillThere(spec: PlacedTable['paths'][number], move: UnitMoveRow): SQL {
  const within = withinPath(spec.path, move.fromPath);
  if (!spec.tiers) return within;
  const tier = tierOfPath(move.fromPath);
  invariant(tier, `malformed unit path ${move.fromPath}`);
  return and(eq(tierColumn(spec.tiers, tier), lastCode(move.fromPath)), within) as SQL;
}

type PathSpec = PlacedTable['paths'][number];

/** Where a walk down a tier index stopped: the last row of the previous batch (time as text, exact to the microsecond). */
interface Walked {
  at: string;
  id: string;
}

/** How a batch finds its rows: walking down the tier index (from the start, or after a row), or any row still there. */
type Pass = { walk: true; after: Walked | undefined } | { walk: false };

/** The next batch's rows (`id`, and `t`, the time, when walking). */
function nextRows(placed: PlacedTable, spec: PathSpec, move: UnitMoveRow, pass: Pass, batch: number): SQL {
  invariant(Number.isInteger(batch) && batch > 0, `rehome batch ${batch}`);
  // A literal, not a parameter: the planner sizes the scan by it (see pageLimit).
  const limit = sql.raw(String(batch));
  const there = stillThere(spec, move);
  if (!pass.walk || !spec.time) return sql`select ${placed.id} as id, null::timestamptz as t from ${placed.table} where ${there} limit ${limit}`;
  const past = pass.after ? sql` and (${spec.time}, ${placed.id}) < (${pass.after.at}::timestamptz, ${pass.after.id}::uuid)` : sql``;
  return sql`select ${placed.id} as id, ${spec.time} as t from ${placed.table} where ${there}${past} order by ${spec.time} desc, ${placed.id} desc limit ${limit}`;
}

/**
 * One batch of one path column: how many rows it rewrote, and where it stopped. Without a time
 * column each batch looks again from the start, past the rows already moved that the tier index
 * still holds (a street keeps its code when it moves), so walking the index in its own order
 * keeps a move linear in the rows it moves.
 */
async function rehomeBatch(db: Executor, placed: PlacedTable, spec: PathSpec, move: UnitMoveRow, pass: Pass, batch: number): Promise<{ n: number; last: Walked | undefined }> {
  const result = await db.execute(sql`
    with batch as materialized (${nextRows(placed, spec, move, pass, batch)}),
    moved as (
      update ${placed.table} set ${assignments(spec, move)}
      where ${placed.id} in (select id from batch)
      returning 1
    )
    select (select count(*)::int from moved) as n, last.t::text as at, last.id::text as id
    from (select 1) one left join lateral (select t, id from batch order by t asc, id asc limit 1) last on true`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number; at: string | null; id: string | null }[];
  const row = rows[0];
  return { n: Number(row?.n ?? 0), last: row?.at && row.id ? { at: row.at, id: row.id } : undefined };
}

/** On a merge: the columns that name a unit by code alone now name the successor (small tables: one statement each). */
export async function followMerge(db: Executor, tables: readonly PlacedTable[], from: string, to: string): Promise<void> {
  for (const placed of tables) {
    for (const column of placed.codes ?? []) await db.execute(sql`update ${placed.table} set ${col(column)} = ${to} where ${column} = ${from}`);
  }
}

export function placedTables(hub: Hub): PlacedTable[] {
  return hub.hooks('placedRecords').flat();
}

/** Rewrites every record of a move, `batch` rows a statement, then marks the move done; the number of rows rewritten. */
export async function rehome(hub: Hub, move: UnitMoveRow, batch = REHOME_BATCH): Promise<number> {
  let rows = 0;
  let batches = 0;
  for (const placed of placedTables(hub)) {
    for (const spec of placed.paths) {
      // Down the tier index once, then a sweep from the start for rows the walk had passed when
      // they were written (a transaction that placed them before the move committed).
      let pass: Pass = spec.time ? { walk: true, after: undefined } : { walk: false };
      for (;;) {
        const { n, last } = await rehomeBatch(hub.database.db, placed, spec, move, pass, batch);
        rows += n;
        batches++;
        if (n === batch) pass = pass.walk ? { walk: true, after: last } : pass;
        else if (pass.walk) pass = { walk: false };
        else break;
      }
    }
  }
  await hub.database.db.update(unitMoves).set({ doneAt: hub.clock.now(), batches }).where(eq(unitMoves.id, move.id));
  return rows;
}

/** A move older than this whose rewrite has not finished was cut short (its hub stopped): a job finishes it. */
const ORPHANED_AFTER_MS = 2 * 60_000;

/** At start and every minute: finish the moves a stopped hub left half done. */
export const finishMoves: Job = {
  name: 'unit moves',
  every: () => 60,
  atStart: true,
  async run(hub) {
    const before = new Date(hub.clock.now().getTime() - ORPHANED_AFTER_MS);
    const open = await hub.database.db.select().from(unitMoves).where(and(isNull(unitMoves.doneAt), lt(unitMoves.createdAt, before))).orderBy(unitMoves.createdAt);
    for (const move of open) await rehome(hub, move);
  },
};
