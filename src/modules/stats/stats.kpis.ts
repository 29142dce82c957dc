import { and, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { tierColumn, withinPlacement } from '../../platform/db/placement.js';
import { abilityToSql } from '../../platform/auth/ability-sql.js';
import { requireCan } from '../../platform/auth/guard.js';
import { scopeRoots } from '../../platform/auth/scope-roots.js';
import { isWithin, TIERS } from '../../platform/auth/scope.js';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { requireUnit, toUnit, units, type UnitRow } from '../units/index.js';
import { cases, caseFields } from '../cases/index.js';
import { CaseKpis } from './stats.type.js';

/**
 * Case KPIs, the 综合评价 of GB/T 30428, for the cases that happened within a unit (their
 * placement) over `[from, to)`:
 *
 * - opened: cases opened in the period;
 * - closed: cases closed (state CLOSED, `closedAt` in the period); REJECTED reports are not cases;
 * - onTimeClosureRate (按期结案率): of those closed, the share closed by their deadline
 *   (`closedAt ≤ deadlineAt`; the deadline in force at closing, as renewed by dispatch);
 * - averageHandlingHours: mean of `closedAt − openedAt` over those closed;
 * - overdue (超期): cases open at `to` — opened before it, not closed or rejected by it — whose
 *   deadline had passed at `to`; a case SUSPENDED (挂账) now is left out (its clock stops);
 * - reopenRate (返工率): of those closed, the share sent back at least once by a failed
 *   verification (`reopenCount > 0`);
 * - averageSatisfaction: mean rating (1..5) of those closed that were rated; `rated` how many.
 *
 * Rates and means are null when there is nothing to divide by.
 */
export interface KpiFigures {
  opened: number;
  closed: number;
  closedOnTime: number;
  onTimeClosureRate: number | null;
  averageHandlingHours: number | null;
  overdue: number;
  reopened: number;
  reopenRate: number | null;
  rated: number;
  averageSatisfaction: number | null;
}

interface UnitKpis extends KpiFigures {
  unit: UnitRow;
}

function round(value: number | null, digits = 4): number | null {
  if (value === null || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The unit's KPIs and each child unit's (children with no case listed with zeros), in one statement. */
export async function computeCaseKpis(db: Executor, scope: SQL, unit: UnitRow, from: Date, to: Date): Promise<{ total: UnitKpis; children: UnitKpis[] }> {
  const below = TIERS[TIERS.indexOf(unit.tier) + 1];
  const child = below ? sql`${tierColumn(cases, below)}::text` : sql`null::text`;
  const [f, t] = [from.toISOString(), to.toISOString()];
  const closedIn = sql`${cases.state} = 'CLOSED' and ${cases.closedAt} >= ${f}::timestamptz and ${cases.closedAt} < ${t}::timestamptz`;
  const where = and(scope, withinPlacement(cases)(unit.path), sql`${cases.openedAt} < ${t}::timestamptz`, sql`(${cases.closedAt} is null or ${cases.closedAt} >= ${f}::timestamptz)`) as SQL;
  const rows = await executeRows<{
    k_child: string | null;
    is_total: boolean;
    opened: number;
    closed: number;
    on_time: number;
    handling_seconds: string | number | null;
    overdue: number;
    reopened: number;
    rated: number;
    satisfaction: string | number | null;
  }>(
    db,
    sql`select ${child} as k_child, grouping(${child}) <> 0 as is_total,
               count(*) filter (where ${cases.openedAt} >= ${f}::timestamptz)::int as opened,
               count(*) filter (where ${closedIn})::int as closed,
               count(*) filter (where ${closedIn} and ${cases.closedAt} <= ${cases.deadlineAt})::int as on_time,
               avg(extract(epoch from ${cases.closedAt} - ${cases.openedAt})) filter (where ${closedIn}) as handling_seconds,
               count(*) filter (where (${cases.closedAt} is null or ${cases.closedAt} >= ${t}::timestamptz)
                                  and ${cases.state} <> 'SUSPENDED' and ${cases.deadlineAt} < ${t}::timestamptz)::int as overdue,
               count(*) filter (where ${closedIn} and ${cases.reopenCount} > 0)::int as reopened,
               count(*) filter (where ${closedIn} and ${cases.satisfaction} is not null)::int as rated,
               avg(${cases.satisfaction}) filter (where ${closedIn} and ${cases.satisfaction} is not null) as satisfaction
          from ${cases} where ${where}
         group by grouping sets ((${child}), ())`,
  );
  const children = below ? await db.select().from(units).where(sql`${units.parentCode} = ${unit.code}`).orderBy(units.code) : [];
  const figures = (row: (typeof rows)[number] | undefined): KpiFigures => {
    const closed = Number(row?.closed ?? 0);
    const onTime = Number(row?.on_time ?? 0);
    const reopened = Number(row?.reopened ?? 0);
    const seconds = row?.handling_seconds == null ? null : Number(row.handling_seconds);
    return {
      opened: Number(row?.opened ?? 0),
      closed,
      closedOnTime: onTime,
      onTimeClosureRate: closed ? round(onTime / closed) : null,
      averageHandlingHours: seconds === null ? null : round(seconds / 3600, 2),
      overdue: Number(row?.overdue ?? 0),
      reopened,
      reopenRate: closed ? round(reopened / closed) : null,
      rated: Number(row?.rated ?? 0),
      averageSatisfaction: row?.satisfaction == null ? null : round(Number(row.satisfaction), 2),
    };
  };
  const byChild = new Map(rows.filter((r) => !r.is_total).map((r) => [r.k_child, r]));
  return {
    total: { unit, ...figures(rows.find((r) => r.is_total)) },
    children: children.map((c) => ({ unit: c, ...figures(byChild.get(c.code)) })),
  };
}

function toCaseKpis(kpis: UnitKpis, from: Date, to: Date, children: CaseKpis[] = []): CaseKpis {
  const { unit, ...figures } = kpis;
  return Object.assign(new CaseKpis(), { unit: toUnit(unit), from, to, ...figures, children });
}

/**
 * `caseKpis` for a caller: counted over the cases the caller may read (the rules of `cases`, in
 * SQL); FORBIDDEN for who reads no cases, NOT_FOUND for a unit outside the caller's scope.
 */
export async function caseKpisFor(ctx: RequestContext, unitCode: string, from: Date, to: Date): Promise<CaseKpis> {
  requireCan(ctx, 'read', 'Case');
  const db = await ctx.reads.db();
  if (!(from < to)) throw new BadUserInputError('from must be before to', 'from');
  const unit = await requireUnit(db, unitCode);
  const roots = scopeRoots(ctx.ability, 'read', 'Case');
  if (roots !== null && !roots.some((root) => isWithin(unit.path, root) || isWithin(root, unit.path))) {
    ctx.ledger.denied({ operation: 'caseKpis', kind: 'Case', recordId: null, reason: `unit ${unit.code} outside the caller’s scope: answered NOT_FOUND` });
    throw new NotFoundError('Unit', unitCode);
  }
  const { total, children } = await computeCaseKpis(db, abilityToSql(ctx.ability, 'read', 'Case', caseFields), unit, from, to);
  return toCaseKpis(
    total,
    from,
    to,
    children.map((c) => toCaseKpis(c, from, to)),
  );
}
