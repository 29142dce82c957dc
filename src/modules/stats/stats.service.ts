import { and, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { tierColumn, withinPlacement } from '../../platform/db/placement.js';
import { abilityToSql } from '../../platform/auth/ability-sql.js';
import { requireCan } from '../../platform/auth/guard.js';
import { scopeRoots } from '../../platform/auth/scope-roots.js';
import { isWithin, TIERS, type Tier } from '../../platform/auth/scope.js';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { CST_TIME_ZONE } from '../../platform/time.js';
import { requireUnit, toUnit, units, type UnitRow } from '../units/index.js';
import { STATS_GROUPS, STATS_KIND_SPECS, type StatsGroupName, type StatsKindName, type StatsKindSpec } from './stats.kinds.js';
import { Stats, StatsBucket, StatsKeys } from './stats.type.js';

interface CountQuery {
  unit: UnitRow;
  kind: StatsKindName;
  from: Date | null;
  to: Date | null;
  groupBy: readonly StatsGroupName[];
}

interface CountRow {
  type: string | null;
  childUnit: UnitRow | null;
  day: string | null;
  status: string | null;
  count: number;
}

export interface Counted {
  total: number;
  buckets: CountRow[];
}

/** The tier below `tier`, or undefined at the bottom (a grid has no children). */
function childTier(tier: Tier): Tier | undefined {
  return TIERS[TIERS.indexOf(tier) + 1];
}

/** The groupings asked for, each once, in the canonical order (TYPE, CHILD_UNIT, DAY, STATUS). */
function normaliseGroups(groupBy: readonly StatsGroupName[] | null | undefined): StatsGroupName[] {
  const asked = new Set(groupBy ?? []);
  return STATS_GROUPS.filter((group) => asked.has(group));
}

/**
 * Counts the records of `kind` within `unit` with time in `[from, to)` that `scope` lets
 * through, per combination of the groupings, and the total: one SQL statement (a GROUPING SETS
 * of the keys and of `()`, the child units' names joined in).
 */
export async function countRecords(db: Executor, scope: SQL, query: CountQuery): Promise<Counted> {
  const spec: StatsKindSpec = STATS_KIND_SPECS[query.kind];
  const groups = normaliseGroups(query.groupBy);
  const below = childTier(query.unit.tier);
  const keyExpr: Record<StatsGroupName, SQL> = {
    TYPE: sql`${spec.type}::text`,
    CHILD_UNIT: below ? sql`${tierColumn(spec.table, below)}::text` : sql`null::text`,
    DAY: sql`to_char((${spec.time} at time zone ${sql.raw(`'${CST_TIME_ZONE}'`)})::date, 'YYYY-MM-DD')`,
    STATUS: sql`${spec.status}::text`,
  };
  const alias: Record<StatsGroupName, string> = { TYPE: 'k_type', CHILD_UNIT: 'k_child', DAY: 'k_day', STATUS: 'k_status' };
  const where = and(
    scope,
    withinPlacement(spec.table)(query.unit.path),
    query.from ? gte(spec.time, query.from) : undefined,
    query.to ? lt(spec.time, query.to) : undefined,
  ) as SQL;
  const selected = STATS_GROUPS.map((group) => (groups.includes(group) ? sql`${keyExpr[group]} as ${sql.raw(alias[group])}` : sql`null::text as ${sql.raw(alias[group])}`));
  const groupKeys = groups.map((group) => keyExpr[group]);
  const grouping = groups.length ? sql`grouping sets ((${sql.join(groupKeys, sql`, `)}), ())` : undefined;
  const isTotal = groups.length ? sql`grouping(${sql.join(groupKeys, sql`, `)}) <> 0` : sql`true`;
  const inner = sql`select ${sql.join(selected, sql`, `)}, count(*)::int as n, ${isTotal} as is_total
                      from ${spec.table} where ${where}${grouping ? sql` group by ${grouping}` : sql``}`;
  const rows = await executeRows<{
    k_type: string | null;
    k_child: string | null;
    k_day: string | null;
    k_status: string | null;
    n: number;
    is_total: boolean;
    u_name: string | null;
    u_tier: Tier | null;
    u_path: string | null;
    u_parent: string | null;
    u_depth: number | null;
  }>(
    db,
    sql`select s.*, u.name as u_name, u.tier as u_tier, u.path as u_path, u.parent_code as u_parent, u.depth as u_depth
          from (${inner}) s left join ${units} u on u.code = s.k_child
         order by s.is_total desc, s.k_type nulls first, s.k_child nulls first, s.k_day nulls first, s.k_status nulls first`,
  );
  let total = 0;
  const buckets: CountRow[] = [];
  for (const row of rows) {
    if (row.is_total) {
      total = Number(row.n);
      continue;
    }
    buckets.push({
      type: row.k_type,
      childUnit:
        row.k_child !== null && row.u_name !== null && row.u_tier !== null && row.u_path !== null
          ? { code: row.k_child, name: row.u_name, tier: row.u_tier, path: row.u_path, parentCode: row.u_parent, depth: Number(row.u_depth), retiredAt: null, successorCode: null }
          : null,
      day: row.k_day,
      status: row.k_status,
      count: Number(row.n),
    });
  }
  return { total, buckets };
}

/**
 * `stats` for a caller: the same rules as the kind's list, in SQL. FORBIDDEN when the caller
 * reads no records of the kind at all; NOT_FOUND when the unit does not exist or nothing the
 * caller may read can lie within it (its scope and the unit's subtree do not meet); otherwise
 * the counts of only what the caller may read.
 */
export async function statsFor(ctx: RequestContext, query: Omit<CountQuery, 'unit'> & { unitCode: string }): Promise<Stats> {
  const spec = STATS_KIND_SPECS[query.kind];
  requireCan(ctx, 'read', spec.subject);
  const db = await ctx.reads.db();
  if (query.from && query.to && query.from > query.to) throw new BadUserInputError('from must not be after to', 'from');
  const unit = await requireUnit(db, query.unitCode);
  const roots = scopeRoots(ctx.ability, 'read', spec.subject);
  if (roots !== null && !roots.some((root) => isWithin(unit.path, root) || isWithin(root, unit.path))) {
    ctx.ledger.denied({ operation: 'stats', kind: spec.subject, recordId: null, reason: `unit ${unit.code} outside the caller’s scope: answered NOT_FOUND` });
    throw new NotFoundError('Unit', query.unitCode);
  }
  const groupBy = normaliseGroups(query.groupBy);
  const counted = await countRecords(db, abilityToSql(ctx.ability, 'read', spec.subject, spec.fields), { ...query, unit, groupBy });
  return Object.assign(new Stats(), {
    unit: toUnit(unit),
    kind: query.kind,
    from: query.from,
    to: query.to,
    groupBy,
    timeZone: CST_TIME_ZONE,
    total: counted.total,
    buckets: counted.buckets.map((row) =>
      Object.assign(new StatsBucket(), {
        count: row.count,
        keys: Object.assign(new StatsKeys(), {
          type: row.type,
          childUnit: row.childUnit ? toUnit(row.childUnit) : null,
          day: row.day,
          status: row.status,
        }),
      }),
    ),
  });
}
