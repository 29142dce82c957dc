import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { tableReader } from '../../platform/db/reader.js';
import { PLACEMENT_RECORDSET, placementOf, placementRecord } from '../../platform/db/placement.js';
import { codesOfPath } from '../../platform/auth/scope.js';
import type { SeverityName } from '../alerts/index.js';
import type { EventCategoryName } from '../categories/index.js';
import { deadlineFrom } from './case.catalog.js';
import { caseHistory, cases, type CaseOriginName, type CaseRow } from './case.table.js';
import type { CaseStateName } from './case.workflow.js';

/* Every new case goes through insertCases (or insertCaseIds): by hand, from ingest, from the alert rules. */

/** A new case before it has an id and a number. */
export interface CaseDraft {
  title: string;
  description: string;
  category: EventCategoryName;
  severity: SeverityName;
  state: CaseStateName;
  originKind: CaseOriginName;
  originId: string | null;
  unitPath: string;
  assigneePath: string;
  lat: number | null;
  lng: number | null;
  reporterName: string | null;
  reporterPhone: string | null;
  openedAt: Date;
  openedBy: string;
  /** The OPEN history entry's actor unit and note. */
  actorUnitCode: string | null;
  note: string | null;
  source: string | null;
  externalId: string | null;
}

/** `320613-2026-`: the district (or the city, for a case at the city) and the year in China Standard Time. */
function numberPrefix(unitPath: string, at: Date): string {
  const codes = codesOfPath(unitPath);
  const year = new Date(at.getTime() + 8 * 3_600_000).getUTCFullYear();
  return `${codes[1] ?? codes[0]}-${year}-`;
}

/**
 * Inserts cases and their OPEN history entries in one statement, whatever their number (rows
 * as one JSON parameter; each row's number is drawn first, in the drafts' order, and the history
 * entry finds its case by it). ON CONFLICT (source, external_id) DO NOTHING when a draft names
 * an external work order: one already stored is not returned (DUPLICATE for ingest); drafts
 * without a source cannot conflict (NULLs are distinct), and are inserted without it. Returns
 * the rows written now.
 */
export async function insertCases(tx: Executor, drafts: readonly CaseDraft[]): Promise<CaseRow[]> {
  if (drafts.length === 0) return [];
  const written = await executeRows<Record<string, unknown>>(tx, insertCasesSql(drafts, sql`select ${WRITTEN_CASE_READER.columns} from inserted as ${sql.raw('"cases"')}`));
  return written.map((row) => WRITTEN_CASE_READER.read(row)!);
}

/**
 * As insertCases, for callers that need only each case's id and origin (the alert rules: ~300
 * cases a batch of 1,000 bench alerts), so that Postgres sends and the hub reads two columns,
 * not thirty.
 */
export async function insertCaseIds(tx: Executor, drafts: readonly CaseDraft[]): Promise<{ id: string; originId: string | null }[]> {
  if (drafts.length === 0) return [];
  const written = await executeRows<{ id: string; origin_id: string | null }>(tx, insertCasesSql(drafts, sql`select id, origin_id from inserted`));
  return written.map((row) => ({ id: row.id, originId: row.origin_id }));
}

function insertCasesSql(drafts: readonly CaseDraft[], select: SQL): SQL {
  const external = drafts.some((d) => d.source !== null);
  const placements = new Map<string, ReturnType<typeof placementOf>>();
  const rows = drafts.map((d, index) => {
    let placement = placements.get(d.unitPath);
    if (!placement) placements.set(d.unitPath, (placement = placementOf(d.unitPath)));
    return {
      idx: index,
      number_prefix: numberPrefix(d.unitPath, d.openedAt),
      title: d.title,
      description: d.description,
      category: d.category,
      severity: d.severity,
      state: d.state,
      origin_kind: d.originKind,
      origin_id: d.originId,
      assignee_code: codesOfPath(d.assigneePath).at(-1),
      assignee_path: d.assigneePath,
      lat: d.lat,
      lng: d.lng,
      reporter_name: d.reporterName,
      reporter_phone: d.reporterPhone,
      opened_at: d.openedAt.toISOString(),
      opened_by: d.openedBy,
      deadline_at: deadlineFrom(d.openedAt, d.category, d.severity).toISOString(),
      source: d.source,
      external_id: d.externalId,
      actor_unit_code: d.actorUnitCode,
      note: d.note,
      ...placementRecord(placement),
    };
  });
  return sql`with r as (
          select r.*, r.number_prefix || lpad(nextval('case_number_seq')::text, 6, '0') as number
            from json_to_recordset(${JSON.stringify(rows)}::json) as r(idx int, number_prefix text, title text, description text, category text, severity text, state text,
                 origin_kind text, origin_id uuid, assignee_code text, assignee_path text, lat double precision, lng double precision,
                 reporter_name text, reporter_phone text, opened_at timestamptz, opened_by text, deadline_at timestamptz, source text, external_id text,
                 actor_unit_code text, note text,
                 ${PLACEMENT_RECORDSET})
           order by r.idx
        ), inserted as (
          insert into ${cases} (number, title, description, category, severity, state, origin_kind, origin_id, assignee_code, assignee_path,
                                lat, lng, reporter_name, reporter_phone, opened_at, opened_by, deadline_at, updated_at, source, external_id,
                                unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
          select r.number, r.title, r.description, r.category, r.severity, r.state,
                 r.origin_kind, r.origin_id, r.assignee_code, r.assignee_path, r.lat, r.lng, r.reporter_name, r.reporter_phone,
                 r.opened_at, r.opened_by, r.deadline_at, r.opened_at, r.source, r.external_id,
                 r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
            from r
           order by r.idx
          ${external ? sql`on conflict (source, external_id) do nothing` : sql``}
          returning *
        ), history as (
          insert into ${caseHistory} (case_id, seq, actor, actor_unit_code, at, action, from_state, to_state, note, assignee_before, assignee_after)
          select c.id, 1, c.opened_by, r.actor_unit_code, c.opened_at, 'OPEN', null, c.state, r.note, null, c.assignee_code
            from inserted c join r on r.number = c.number
        )
        ${select}`;
}

const WRITTEN_CASE_READER = tableReader(cases, '');
