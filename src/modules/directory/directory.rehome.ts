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

/** One batch of one path column: how many rows it rewrote. */
async function rehomeBatch(db: Executor, placed: PlacedTable, spec: PlacedTable['paths'][number], move: UnitMoveRow): Promise<number> {
  const result = await db.execute(sql`
    with moved as (
      update ${placed.table} set ${assignments(spec, move)}
      where ${placed.id} in (select ${placed.id} from ${placed.table} where ${stillThere(spec, move)} limit ${REHOME_BATCH})
      returning 1
    )
    select count(*)::int as n from moved`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]?.n ?? 0);
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

/** Rewrites every record of a move, batch after batch, then marks the move done; the number of rows rewritten. */
export async function rehome(hub: Hub, move: UnitMoveRow): Promise<number> {
  let rows = 0;
  let batches = 0;
  for (const placed of placedTables(hub)) {
    for (const spec of placed.paths) {
      for (;;) {
        const n = await rehomeBatch(hub.database.db, placed, spec, move);
        rows += n;
        batches++;
        if (n < REHOME_BATCH) break;
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
