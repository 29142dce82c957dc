import { and, asc, count, eq, exists, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { isUuid } from '../../platform/db/ids.js';
import { geoSql } from '../../platform/db/geo.js';
import { PLACEMENT_RECORDSET, placementOf, withinPlacement } from '../../platform/db/placement.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { requireUnit, unitsByCodes } from '../units/index.js';
import { audit } from '../audit/index.js';
import { checks, judgePlaced, rejection, RecordErrorCode, runIngestBatch, type IngestReport } from '../ingest/index.js';
import { patrolFindings, patrolReports, type PatrolFindingRow, type PatrolReportRow } from './patrol.table.js';
import { PatrolFinding, PatrolReport } from './patrol.type.js';
import { PATROL_LIMITS, type FilePatrolReportInput, type IngestPatrolReportsInput, type PatrolFindingInput, type PatrolReportFilter } from './patrol.input.js';

const patrolFields: FieldMap = {
  unitPath: { within: withinPlacement(patrolReports) },
};

function toPatrolReport(row: PatrolReportRow): PatrolReport {
  return Object.assign(new PatrolReport(), {
    id: row.id,
    filedBy: row.filedBy,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    routeNote: row.routeNote,
    filedAt: row.filedAt,
    source: row.source,
    externalId: row.externalId,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
  });
}

export function toPatrolFinding(row: PatrolFindingRow): PatrolFinding {
  return Object.assign(new PatrolFinding(), {
    id: row.id,
    seq: row.seq,
    category: row.category,
    description: row.description,
    severity: row.severity,
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    photoUrls: row.photoUrls,
    reportId: row.reportId,
    caseId: row.caseId,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
  });
}

export function toPatrolKey(report: PatrolReport): TimeKey {
  return { at: report.startedAt, id: report.id };
}

/** The problem with one finding (as a field path under `prefix`), or undefined. */
function findingProblem(finding: PatrolFindingInput, prefix: string): { field: string; message: string } | undefined {
  const description = finding.description.trim();
  if (description === '') return { field: `${prefix}.description`, message: 'description must not be empty' };
  if ([...description].length > PATROL_LIMITS.description) return { field: `${prefix}.description`, message: `description is longer than ${PATROL_LIMITS.description} characters` };
  const location = checks.location(finding.location);
  if (location && location.status === 'REJECTED') return { field: `${prefix}.${location.error.field}`, message: location.error.message };
  const photos = finding.photoUrls ?? [];
  if (photos.length > PATROL_LIMITS.photos) return { field: `${prefix}.photoUrls`, message: `at most ${PATROL_LIMITS.photos} photos` };
  for (const [i, url] of photos.entries()) {
    const parsed = url.length <= PATROL_LIMITS.photoUrl && URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      return { field: `${prefix}.photoUrls.${i}`, message: `photoUrls[${i}] must be an http(s) URL of at most ${PATROL_LIMITS.photoUrl} characters` };
    }
  }
  return undefined;
}

function reportProblem(input: { startedAt: Date; endedAt: Date; routeNote?: string | null; findings: PatrolFindingInput[] }, now: Date): { field: string; message: string } | undefined {
  for (const [field, value] of [['startedAt', input.startedAt], ['endedAt', input.endedAt]] as const) {
    const bad = checks.time(value, field, now, 0);
    if (bad && bad.status === 'REJECTED') return { field, message: bad.error.message.replace('more than a day in the future', 'in the future') };
  }
  if (input.endedAt < input.startedAt) return { field: 'endedAt', message: 'endedAt is before startedAt' };
  if ((input.routeNote ?? '').length > PATROL_LIMITS.routeNote) return { field: 'routeNote', message: `routeNote is longer than ${PATROL_LIMITS.routeNote} characters` };
  if (input.findings.length > PATROL_LIMITS.findings) return { field: 'findings', message: `at most ${PATROL_LIMITS.findings} findings` };
  for (const [i, finding] of input.findings.entries()) {
    const problem = findingProblem(finding, `findings.${i}`);
    if (problem) return problem;
  }
  return undefined;
}

function findingRows(reportId: string, gridPath: string, findings: PatrolFindingInput[]) {
  return findings.map((finding, i) => ({
    reportId,
    seq: i + 1,
    category: finding.category,
    description: finding.description.trim(),
    severity: finding.severity,
    lat: finding.location?.lat ?? null,
    lng: finding.location?.lng ?? null,
    photoUrls: finding.photoUrls ?? [],
    ...placementOf(gridPath),
  }));
}

/** A grid worker (at the grid) or an officer (at or above it) files a report; one transaction with its audit entry. */
export async function filePatrolReport(ctx: RequestContext, input: FilePatrolReportInput): Promise<PatrolReport> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'file', 'PatrolReport');
  const grid = (await unitsByCodes(ctx.db, [input.gridCode])).get(input.gridCode);
  if (!grid || grid.tier !== 'GRID') throw new BadUserInputError(`${input.gridCode} is not a grid`, 'input.gridCode');
  if (!ctx.ability.can('file', subject('PatrolReport', { unitPath: grid.path }))) throw new ForbiddenError('file', 'PatrolReport', `Not allowed to file patrol reports for grid ${grid.code}`);
  const now = ctx.hub.clock.now();
  const problem = reportProblem(input, now);
  if (problem) throw new BadUserInputError(problem.message, `input.${problem.field}`);
  const row = await ctx.db.transaction(async (tx) => {
    const [report] = await tx
      .insert(patrolReports)
      .values({ filedBy: principal.name, startedAt: input.startedAt, endedAt: input.endedAt, routeNote: input.routeNote?.trim() ?? '', filedAt: now, ...placementOf(grid.path) })
      .returning();
    if (!report) throw new Error('insert returned no row');
    const findings = input.findings.length ? await tx.insert(patrolFindings).values(findingRows(report.id, grid.path, input.findings)).returning({ id: patrolFindings.id }) : [];
    await audit(ctx, tx, { operation: 'filePatrolReport', kind: 'PatrolReport', recordIds: [report.id, ...findings.map((f) => f.id)] });
    return report;
  });
  return toPatrolReport(row);
}

async function filterSql(db: Executor, filter: PatrolReportFilter | null | undefined): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(patrolReports)((await requireUnit(db, filter.unitCode)).path));
  if (filter.filedBy) where.push(eq(patrolReports.filedBy, filter.filedBy));
  if (filter.from) where.push(gte(patrolReports.startedAt, filter.from));
  if (filter.to) where.push(lt(patrolReports.startedAt, filter.to));
  if (filter.receivedFrom) where.push(gte(patrolReports.filedAt, filter.receivedFrom));
  if (filter.receivedTo) where.push(lt(patrolReports.filedAt, filter.receivedTo));
  // A report is where its findings are: it matches when one finding passes the whole geography.
  const geo = geoSql(patrolFindings, filter);
  if (geo.length) {
    where.push(exists(db.select({ one: sql`1` }).from(patrolFindings).where(and(eq(patrolFindings.reportId, patrolReports.id), ...geo))));
  }
  return where;
}

export async function listPatrolReports(
  ctx: RequestContext,
  filter: PatrolReportFilter | null | undefined,
  args: PageArgs,
): Promise<Page<PatrolReport>> {
  requireCan(ctx, 'read', 'PatrolReport');
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'PatrolReport', patrolFields), ...(await filterSql(db, filter))) as SQL;
  const keyset = keysetCondition(patrolReports.startedAt, patrolReports.id, page);
  const rows = await db
    .select()
    .from(patrolReports)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(patrolReports.startedAt, patrolReports.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, toPatrolReport, async () => {
    const [row] = await db.select({ n: count() }).from(patrolReports).where(scope);
    return Number(row?.n ?? 0);
  });
}

export async function getPatrolReport(ctx: RequestContext, id: string): Promise<PatrolReport> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await ctx.db.select().from(patrolReports).where(eq(patrolReports.id, id)) : [];
  if (!row) throw new NotFoundError('PatrolReport', id);
  if (!ctx.ability.can('read', subject('PatrolReport', { ...row }))) {
    ctx.ledger.denied({ operation: 'read', kind: 'PatrolReport', recordId: row.id, reason: 'outside the caller’s scope: answered NOT_FOUND' });
    throw new NotFoundError('PatrolReport', id);
  }
  return toPatrolReport(row);
}

export async function findingsByReportIds(db: Executor, ids: readonly string[]): Promise<PatrolFindingRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(patrolFindings).where(inArray(patrolFindings.reportId, [...ids])).orderBy(asc(patrolFindings.reportId), asc(patrolFindings.seq));
}

export async function findingsByIds(db: Executor, ids: readonly string[]): Promise<PatrolFindingRow[]> {
  const wellFormed = ids.filter(isUuid);
  if (wellFormed.length === 0) return [];
  return db.select().from(patrolFindings).where(inArray(patrolFindings.id, wellFormed));
}

/** Links a finding to the case opened from it; false when it already has one (a concurrent opener won). */
export async function linkFindingToCase(tx: Executor, findingId: string, caseId: string): Promise<boolean> {
  const updated = await tx
    .update(patrolFindings)
    .set({ caseId })
    .where(and(eq(patrolFindings.id, findingId), sql`${patrolFindings.caseId} is null`))
    .returning({ id: patrolFindings.id });
  return updated.length === 1;
}

/**
 * Patrol reports from a grid-management system: the contract of ingestAlerts. One query for
 * the grids, checks in memory, then one statement for the reports (ON CONFLICT DO NOTHING:
 * duplicates) and one for the findings of the reports written now, in one transaction.
 */
export function ingestPatrolReports(ctx: RequestContext, input: IngestPatrolReportsInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'ingestPatrolReports',
    subject: 'PatrolReport',
    stored: { table: patrolReports, id: patrolReports.id, source: patrolReports.source, externalId: patrolReports.externalId },
    judge: (batch) =>
      judgePlaced(batch, {
        unitCode: (record) => record.gridCode,
        type: () => 'PatrolReport',
        unitField: 'gridCode',
        check: (record) => {
          const invalid = checks.text(record.externalId, 'externalId', 200) ?? checks.text(record.filedBy, 'filedBy', 100);
          if (invalid) return invalid;
          const problem = reportProblem(record, batch.now);
          return problem ? rejection(RecordErrorCode.INVALID_FIELD, problem.field, problem.message) : undefined;
        },
        checkUnit: (record, grid) => (grid.tier !== 'GRID' ? rejection(RecordErrorCode.INVALID_FIELD, 'gridCode', `${record.gridCode} is not a grid`) : undefined),
      }),
    async write(tx, { source, now, records }, pending, { units: grids }) {
      const reportRows = pending.map((index) => {
        const record = records[index]!;
        return {
          external_id: record.externalId,
          filed_by: record.filedBy,
          started_at: record.startedAt.toISOString(),
          ended_at: record.endedAt.toISOString(),
          route_note: record.routeNote?.trim() ?? '',
          ...snake(placementOf(grids.get(record.gridCode)!.path)),
        };
      });
      const inserted = await executeRows<{ id: string; external_id: string }>(
        tx,
        sql`insert into ${patrolReports} (source, external_id, filed_by, started_at, ended_at, route_note, filed_at,
                                           unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
            select ${source}, r.external_id, r.filed_by, r.started_at, r.ended_at, r.route_note, ${now.toISOString()}::timestamptz,
                   r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
              from json_to_recordset(${JSON.stringify(reportRows)}::json) as r(external_id text, filed_by text, started_at timestamptz, ended_at timestamptz, route_note text,
                   ${PLACEMENT_RECORDSET})
            on conflict (source, external_id) do nothing
            returning id, external_id`,
      );
      const insertedIds = new Map(inserted.map((r) => [r.external_id, r.id]));
      const findingRowsJson = pending.flatMap((index) => {
        const record = records[index]!;
        const reportId = insertedIds.get(record.externalId);
        if (!reportId) return [];
        return findingRows(reportId, grids.get(record.gridCode)!.path, record.findings).map((f) => ({ ...snake(f), photo_urls: f.photoUrls }));
      });
      if (findingRowsJson.length) {
        await tx.execute(
          sql`insert into ${patrolFindings} (report_id, seq, category, description, severity, lat, lng, photo_urls,
                                              unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
              select r.report_id, r.seq, r.category, r.description, r.severity, r.lat, r.lng, r.photo_urls,
                     r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
                from json_to_recordset(${JSON.stringify(findingRowsJson)}::json) as r(report_id uuid, seq int, category text, description text, severity text,
                     lat double precision, lng double precision, photo_urls jsonb,
                     ${PLACEMENT_RECORDSET})`,
        );
      }
      return { inserted: insertedIds };
    },
  });
}

/** camelCase keys → snake_case, for json_to_recordset rows. */
function snake(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]));
}
