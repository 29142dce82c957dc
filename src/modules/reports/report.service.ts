import { and, eq, gte, inArray, lt, count, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { placementOf, withinPlacement } from '../../platform/db/placement.js';
import { isUuid } from '../../platform/db/ids.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { requireUnit, units, type UnitRow } from '../units/index.js';
import { appendAudit, audit, type AuditActor } from '../audit/index.js';
import { reports, type ReportRow } from './report.table.js';
import { Report } from './report.type.js';
import { computeFigures } from './report.figures.js';
import { periodOf, type Period } from './report.period.js';
import type { ReportFilter, ReportPeriodInput } from './report.input.js';

/** How the CASL conditions on `Report` become SQL over the reports table. */
const reportFields: FieldMap = {
  unitPath: { column: reports.unitPath, within: withinPlacement(reports) },
  type: { column: reports.periodKind },
};

function toReport(row: ReportRow): Report {
  return Object.assign(new Report(), {
    id: row.id,
    periodKind: row.periodKind,
    from: row.periodFrom,
    to: row.periodTo,
    generatedAt: row.generatedAt,
    generatedBy: row.generatedBy,
    figures: row.figures,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
  });
}

export function toReportKey(report: Report): TimeKey {
  return { at: report.from, id: report.id };
}

async function storedReport(db: Executor, unitCode: string, period: Period): Promise<ReportRow | undefined> {
  const [row] = await db
    .select()
    .from(reports)
    .where(and(eq(reports.unitCode, unitCode), eq(reports.periodFrom, period.from), eq(reports.periodTo, period.to)));
  return row;
}

/**
 * The report of `unit` for `period`: the stored one if there is one; otherwise its figures are
 * computed and stored, and `onCreate` runs in the inserting transaction (the audit entry).
 * Concurrent calls (several hub processes) store one: the insert is ON CONFLICT DO NOTHING on
 * (unit, period), and a loser answers the winner's row.
 */
async function ensureReport(
  db: Executor,
  unit: UnitRow,
  period: Period,
  by: string,
  now: Date,
  onCreate: (tx: Executor, row: ReportRow) => Promise<void>,
): Promise<{ row: ReportRow; created: boolean }> {
  const existing = await storedReport(db, unit.code, period);
  if (existing) return { row: existing, created: false };
  const figures = await computeFigures(db, unit, period);
  const created = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(reports)
      .values({ periodKind: period.kind, periodFrom: period.from, periodTo: period.to, generatedAt: now, generatedBy: by, figures, ...placementOf(unit.path) })
      .onConflictDoNothing()
      .returning();
    if (row) await onCreate(tx, row);
    return row;
  });
  if (created) return { row: created, created: true };
  const winner = await storedReport(db, unit.code, period);
  if (!winner) throw new Error(`report of ${unit.code} for ${period.from.toISOString()} vanished after a conflict`);
  return { row: winner, created: false };
}

/**
 * Generates (or answers the stored) report of a unit for a period. Officers and admins at or
 * above the unit; anyone else FORBIDDEN. The period must have ended (BAD_USER_INPUT).
 */
export async function generateReport(ctx: RequestContext, unitCode: string, input: ReportPeriodInput): Promise<Report> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'generate', 'Report');
  const now = ctx.hub.clock.now();
  const period = periodOf(input, now);
  const unit = await requireUnit(ctx.db, unitCode);
  if (!ctx.ability.can('generate', subject('Report', { unitPath: unit.path, type: period.kind }))) {
    throw new ForbiddenError('generate', 'Report', `Only an officer or admin at or above ${unit.name} (${unit.code}) may generate its report`);
  }
  const { row } = await ensureReport(ctx.db, unit, period, principal.name, now, (tx, created) =>
    audit(ctx, tx, { operation: 'generateReport', kind: 'Report', recordIds: [created.id], details: { unitCode: unit.code, period: period.kind, from: period.from.toISOString(), to: period.to.toISOString() } }),
  );
  return toReport(row);
}

/** The scheduler's audit identity. */
const SCHEDULER_ACTOR: AuditActor = { actor: 'scheduler', actorKind: 'SYSTEM', unitCode: null, unitPath: null, purpose: 'weekly analysis reports' };

/** A report made by the hub itself (the weekly run); audited as `scheduler`. */
export async function ensureScheduledReport(db: Executor, unit: UnitRow, period: Period, now: Date): Promise<boolean> {
  const { created } = await ensureReport(db, unit, period, 'scheduler', now, (tx, row) =>
    appendAudit(tx, SCHEDULER_ACTOR, now, [{ operation: 'generateReport', kind: 'Report', recordIds: [row.id], details: { unitCode: unit.code, period: period.kind, from: period.from.toISOString(), to: period.to.toISOString() } }]),
  );
  return created;
}

async function filterSql(db: Executor, filter: ReportFilter | null | undefined): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(reports)((await requireUnit(db, filter.unitCode)).path));
  if (filter.periodKinds) where.push(inArray(reports.periodKind, filter.periodKinds));
  if (filter.from) where.push(gte(reports.periodFrom, filter.from));
  if (filter.to) where.push(lt(reports.periodFrom, filter.to));
  return where;
}

/** Newest period first; the caller's scope is part of the SQL, and the filter only narrows it. */
export async function listReports(ctx: RequestContext, filter: ReportFilter | null | undefined, args: PageArgs): Promise<Page<Report>> {
  requireCan(ctx, 'read', 'Report');
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Report', reportFields), ...(await filterSql(db, filter))) as SQL;
  const keyset = keysetCondition(reports.periodFrom, reports.id, page);
  const rows = await db
    .select()
    .from(reports)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(reports.periodFrom, reports.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, toReport, async () => {
    const [row] = await db.select({ n: count() }).from(reports).where(scope);
    return Number(row?.n ?? 0);
  });
}

/** One report the caller may read; otherwise NOT_FOUND, whether or not it exists (an attempt on one that exists is noted as a denial). */
export async function getReport(ctx: RequestContext, id: string): Promise<Report> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await ctx.db.select().from(reports).where(eq(reports.id, id)) : [];
  if (!row) throw new NotFoundError('Report', id);
  if (!ctx.ability.can('read', subject('Report', { unitPath: row.unitPath, type: row.periodKind }))) {
    ctx.ledger.denied({ operation: 'read', kind: 'Report', recordId: row.id, reason: 'outside the caller’s scope: answered NOT_FOUND' });
    throw new NotFoundError('Report', id);
  }
  return toReport(row);
}

/** Streets without a report for `period`: what the weekly run still has to make. */
export async function streetsWithoutReport(db: Executor, period: Period): Promise<UnitRow[]> {
  return db
    .select()
    .from(units)
    .where(
      and(
        eq(units.tier, 'STREET'),
        sql`not exists (select 1 from ${reports} r where r.unit_code = ${units.code} and r.period_from = ${period.from.toISOString()}::timestamptz and r.period_to = ${period.to.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(units.code);
}
