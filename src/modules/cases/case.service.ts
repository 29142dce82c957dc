import { and, count, eq, gte, inArray, lt, not, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { tableReader } from '../../platform/db/reader.js';
import { isUuid } from '../../platform/db/ids.js';
import { geoSql } from '../../platform/db/geo.js';
import { PLACEMENT_RECORDSET, placementOf, placementRecord, withinPlacement } from '../../platform/db/placement.js';
import { withinPath } from '../../platform/db/path.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { homeOf } from '../../platform/auth/principal.js';
import { codesOfPath } from '../../platform/auth/scope.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageLimit, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { selectsOnly } from '../../platform/graphql/lookahead.js';
import { maskedFields, personalValue } from '../../platform/privacy/personal.js';
import { createUnitLoaders, requireUnit, toUnit, UNIT_KEYS, units, unitsByCodes, type Unit, type UnitRow } from '../units/index.js';
import { alerts, type SeverityName } from '../alerts/index.js';
import { closeRequestOfCase, residentRequests, type RequestCaseLink, type RequestCategoryName } from '../requests/index.js';
import { findingsByIds, linkFindingToCase } from '../patrols/index.js';
import { storable } from '../ingest/index.js';
import { audit } from '../audit/index.js';
import type { EventCategoryName } from '../categories/index.js';
import { ALERT_TYPE_CATEGORY, ALERT_TYPE_TITLE, deadlineFrom } from './case.catalog.js';
import { caseHistory, cases, type CaseOriginName, type CaseRow } from './case.table.js';
import { Case, CaseHistoryEntry } from './case.type.js';
import { createCaseHistoryLoader } from './case.history.js';
import { CASE_LIMITS, type CaseFilter, type OpenCaseInput } from './case.input.js';
import { CASE_MASKS, CASE_PERSONAL_FIELDS, type CasePersonalField } from './case.policy.js';
import {
  CALLER_ACTIONS,
  FINAL_STATES,
  SLA_STATES,
  WORKFLOW,
  allowedActions,
  targetState,
  type ActorRole,
  type CaseActionName,
  type CaseStateName,
} from './case.workflow.js';

/** How the CASL conditions on `Case` become SQL over the cases table; `type` is the category. */
export const caseFields: FieldMap = {
  unitPath: { within: withinPlacement(cases) },
  assigneePath: { within: (path) => withinPath(cases.assigneePath, path) },
  assigneeCode: { column: cases.assigneeCode },
  type: { column: cases.category },
  state: { column: cases.state },
};

/** The columns `toCase` reads (not `suspendedFrom`, not the placement codes below the unit): the case page reads these. */
export const CASE_KEYS = [
  'id',
  'number',
  'title',
  'description',
  'category',
  'severity',
  'state',
  'version',
  'originKind',
  'originId',
  'source',
  'externalId',
  'lat',
  'lng',
  'openedAt',
  'openedBy',
  'deadlineAt',
  'closedAt',
  'updatedAt',
  'reopenCount',
  'escalationCount',
  'satisfaction',
  'assigneeCode',
  'assigneePath',
  'unitCode',
  'unitPath',
  'reporterName',
  'reporterPhone',
] as const satisfies readonly (keyof CaseRow)[];

export function toCase(row: Pick<CaseRow, (typeof CASE_KEYS)[number]>): Case {
  return Object.assign(new Case(), {
    id: row.id,
    number: row.number,
    title: row.title,
    description: row.description,
    category: row.category,
    severity: row.severity,
    state: row.state,
    version: row.version,
    origin: { kind: row.originKind, recordId: row.originId, source: row.source, externalId: row.externalId },
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    openedAt: row.openedAt,
    openedBy: row.openedBy,
    deadlineAt: row.deadlineAt,
    closedAt: row.closedAt,
    updatedAt: row.updatedAt,
    reopenCount: row.reopenCount,
    escalationCount: row.escalationCount,
    satisfaction: row.satisfaction,
    assigneeCode: row.assigneeCode,
    assigneePath: row.assigneePath,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
    personal: { reporterName: row.reporterName, reporterPhone: row.reporterPhone },
  });
}

export function toCaseKey(c: Case): TimeKey {
  return { at: c.openedAt, id: c.id };
}

/** The case as a CASL subject. */
export function caseSubject(c: Pick<Case, 'id' | 'unitPath' | 'assigneePath' | 'assigneeCode' | 'category' | 'state'>) {
  return subject('Case', { id: c.id, unitPath: c.unitPath, assigneePath: c.assigneePath, assigneeCode: c.assigneeCode, type: c.category, state: c.state });
}

export function personalCaseField(ctx: RequestContext, c: Case, field: CasePersonalField): string | null {
  return personalValue(ctx, 'Case', { ...caseSubject(c) }, field, c.personal[field], CASE_MASKS[field]);
}

export function maskedCaseFields(ctx: RequestContext, c: Case): string[] {
  return maskedFields(ctx, 'Case', { ...caseSubject(c), ...c.personal }, CASE_PERSONAL_FIELDS);
}

/** The workflow roles the caller holds on this case (ability `handle` → OFFICER, `fieldwork` → GRID_WORKER). */
export function rolesOn(ctx: RequestContext, c: Case): Set<ActorRole> {
  const roles = new Set<ActorRole>();
  const s = caseSubject(c);
  if (ctx.ability.can('handle', s)) roles.add('OFFICER');
  if (ctx.ability.can('fieldwork', s)) roles.add('GRID_WORKER');
  return roles;
}

export function actionsFor(ctx: RequestContext, c: Case): CaseActionName[] {
  return allowedActions(c.state, rolesOn(ctx, c));
}

export function isOverdue(c: Pick<Case, 'state' | 'deadlineAt'>, now: Date): boolean {
  return SLA_STATES.includes(c.state) && c.deadlineAt < now;
}

// ---------------------------------------------------------------------------------------------
// Reading

async function filterSql(db: Executor, filter: CaseFilter | null | undefined, now: Date): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(cases)((await requireUnit(db, filter.unitCode)).path));
  if (filter.assigneeUnitCode) where.push(withinPath(cases.assigneePath, (await requireUnit(db, filter.assigneeUnitCode)).path));
  if (filter.states) where.push(filter.states.length ? inArray(cases.state, filter.states) : sql`false`);
  if (filter.categories) where.push(filter.categories.length ? inArray(cases.category, filter.categories) : sql`false`);
  if (filter.severities) where.push(filter.severities.length ? inArray(cases.severity, filter.severities) : sql`false`);
  if (filter.origins) where.push(filter.origins.length ? inArray(cases.originKind, filter.origins) : sql`false`);
  if (filter.overdue != null) {
    const overdue = and(inArray(cases.state, [...SLA_STATES]), lt(cases.deadlineAt, now)) as SQL;
    where.push(filter.overdue ? overdue : not(overdue));
  }
  if (filter.from) where.push(gte(cases.openedAt, filter.from));
  if (filter.to) where.push(lt(cases.openedAt, filter.to));
  where.push(...geoSql(cases, filter));
  return where;
}

const CASE_READER = tableReader(cases, 'c.', undefined, CASE_KEYS);
const UNIT_READER = tableReader(units, 'u.', 'unit', UNIT_KEYS);
const ASSIGNEE_READER = tableReader(units, 'au.', 'assignee', UNIT_KEYS);

/**
 * What the Case rules test (`caseSubject`: read, handle, fieldwork, unmask, and the grants'
 * `type`): a case read lean always carries these, so the ability answers on it as on the whole row.
 */
const CASE_RULE_KEYS = ['id', 'unitPath', 'assigneePath', 'assigneeCode', 'category', 'state'] as const satisfies readonly (keyof CaseRow & keyof Case)[];

/**
 * A page whose selection stays within these fields reads the case's lean columns: the rule
 * columns above, the links (`unitCode` for `unit`) and the plain fields a list shows (`overdue`
 * needs `state` and `deadlineAt`, `allowedActions` the rule columns). Any other field — the
 * personal ones and `maskedFields` among them, `origin` and what hangs on it, a field added
 * later — reads `CASE_KEYS`. Two column sets, not one per selection: each is a prepared
 * statement on every connection.
 */
const LEAN_CASE_FIELDS = new Set([
  '__typename', 'id', 'number', 'title', 'category', 'severity', 'state', 'version', 'openedAt', 'deadlineAt', 'closedAt', 'updatedAt',
  'overdue', 'allowedActions', 'unit', 'assignee', 'history',
]);
const LEAN_CASE_READER = tableReader(cases, 'c.', undefined, [
  ...CASE_RULE_KEYS, 'unitCode', 'number', 'title', 'severity', 'version', 'openedAt', 'deadlineAt', 'closedAt', 'updatedAt',
]);

/** A history entry's fields, in the order its JSON is built (so that a set of fields makes one statement text). */
const HISTORY_FIELDS = ['seq', 'actor', 'actorUnitCode', 'at', 'action', 'fromState', 'toState', 'note', 'assigneeBefore', 'assigneeAfter'] as const satisfies readonly (keyof CaseHistoryEntry)[];
type HistoryField = (typeof HISTORY_FIELDS)[number];

/** A case's history as one JSON array, oldest first, of objects with `fields` under the entries' own names. */
function historyJson(fields: readonly (HistoryField | 'caseId')[]): SQL {
  const pairs = fields.map((field) => `'${field}', h.${caseHistory[field].name}`).join(', ');
  return sql`(select coalesce(json_agg(json_build_object(${sql.raw(pairs)}) order by h.seq), '[]')
  from ${caseHistory} h where h.case_id = ${cases.id}) as "history"`;
}

/** Every field (and `caseId`, as the history loader's entries have it): entries that may be primed into the loader. */
const HISTORY_JSON = historyJson(['caseId', ...HISTORY_FIELDS]);
/**
 * The entry fields a list of cases shows (what happened, who, when, the states, the note): a
 * selection within them reads these seven, any other reads all. Two texts, not one per set of
 * fields selected: each is a prepared statement on every connection.
 */
const LEAN_HISTORY_FIELDS = ['seq', 'actor', 'at', 'action', 'fromState', 'toState', 'note'] as const satisfies readonly HistoryField[];
const LEAN_HISTORY_JSON = historyJson(LEAN_HISTORY_FIELDS);
const LEAN_HISTORY_NAMES: ReadonlySet<string> = new Set(LEAN_HISTORY_FIELDS);

function historyEntries(json: unknown): CaseHistoryEntry[] {
  return (json as (Omit<CaseHistoryEntry, 'at'> & { at?: string })[]).map((entry) =>
    Object.assign(new CaseHistoryEntry(), entry, entry.at === undefined ? {} : { at: new Date(entry.at) }),
  );
}

/** What a page read with a case: its units and its history (`null`: no such unit). */
export interface CaseLinks {
  unit?: Unit | null;
  assignee?: Unit | null;
  history?: CaseHistoryEntry[];
}

/**
 * The links a page read, by case. The `unit`, `assignee` and `history` fields of these cases
 * answer from here at once, without a promise (a page of 20 cases then completes with no
 * promise per case). Whole units and whole histories are primed into the request's loaders
 * too; a history read lean holds only some of the entry fields, so it is never primed (another
 * field of the same request may select the fields it lacks) and is found only here.
 */
const joinedLinks = new WeakMap<Case, CaseLinks>();

/** What `c`'s page read with it; `undefined` when `c` did not come from a page. */
export function joinedCaseLinks(c: Case): CaseLinks | undefined {
  return joinedLinks.get(c);
}

/**
 * What a page's selection links its cases to, fetched in the page's own statement; `node` and
 * `historyFields`: the field names selected on the case and on its history entries, when known.
 */
export interface CaseInclude {
  unit?: boolean;
  assignee?: boolean;
  history?: boolean;
  node?: ReadonlySet<string>;
  historyFields?: ReadonlySet<string>;
}


/**
 * Newest first (openedAt, id); the caller's scope is part of the SQL, and the filter only
 * narrows it. One statement for the page and what the selection links it to (units, history);
 * the loaders then answer from memory, as for alerts. The page is cut at its limit in a subquery
 * before the units are joined: in the generic plan PostgreSQL settles on for the prepared
 * statement, the scope's OR of a community and an assignee subtree is guessed at thousands of
 * rows, and the join was a hash of all 2,218 units for the 20 a page links to. Each unit is then
 * looked up by its key (`lateral … offset 0`: the planner may not turn it back into a join, which
 * it still planned as a hash of every unit for the 21 rows of the cut page). The case's columns and its history's fields are read lean when the
 * selection allows (above).
 */
export async function listCases(
  ctx: RequestContext,
  filter: CaseFilter | null | undefined,
  args: PageArgs,
  include: CaseInclude = {},
): Promise<Page<Case>> {
  requireCan(ctx, 'read', 'Case');
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Case', caseFields), ...(await filterSql(ctx.db, filter, ctx.hub.clock.now()))) as SQL;
  const keyset = keysetCondition(cases.openedAt, cases.id, page);
  // Lean reads leave the other columns undefined in the row, and the other entry fields out of
  // the history: toCase then makes cases whose unread fields are never resolved, since the
  // selection does not reach them.
  const caseReader = (selectsOnly(include.node, LEAN_CASE_FIELDS) ? LEAN_CASE_READER : CASE_READER) as typeof CASE_READER;
  const partialHistory = include.history === true && selectsOnly(include.historyFields, LEAN_HISTORY_NAMES);
  const history = partialHistory ? LEAN_HISTORY_JSON : HISTORY_JSON;
  const rows = await executeRows<Record<string, unknown>>(
    ctx.db,
    sql`select ${caseReader.columns}${include.unit ? sql`, ${UNIT_READER.columns}` : sql``}${include.assignee ? sql`, ${ASSIGNEE_READER.columns}` : sql``}${include.history ? sql`, ${history}` : sql``}
      from (select * from ${cases}
             where ${keyset ? and(scope, keyset) : scope}
             order by ${pageOrder(cases.openedAt, cases.id, page)}
             limit ${pageLimit(page.limit)}) as ${cases}${include.unit ? sql` left join lateral (select * from ${units} where ${units.code} = ${cases.unitCode} offset 0) as "unit" on true` : sql``}${include.assignee ? sql` left join lateral (select * from ${units} where ${units.code} = ${cases.assigneeCode} offset 0) as "assignee" on true` : sql``}
      order by ${pageOrder(cases.openedAt, cases.id, page)}`,
  );
  const unitLoader = include.unit || include.assignee ? ctx.loaders.of(createUnitLoaders).unitByCode : undefined;
  const historyLoader = include.history && !partialHistory ? ctx.loaders.of(createCaseHistoryLoader) : undefined;
  const linked = new Map<object, CaseLinks>();
  const caseRows = rows.map((row) => {
    const read = caseReader.read(row)!;
    const links: CaseLinks = {};
    if (unitLoader && include.unit) {
      const unit = UNIT_READER.read(row);
      links.unit = unit ? toUnit(unit) : null;
      unitLoader.prime(read.unitCode, links.unit);
    }
    if (unitLoader && include.assignee) {
      const unit = ASSIGNEE_READER.read(row);
      links.assignee = unit ? toUnit(unit) : null;
      unitLoader.prime(read.assigneeCode, links.assignee);
    }
    if (include.history) {
      links.history = historyEntries(row['history']);
      historyLoader?.prime(read.id, links.history);
    }
    linked.set(read, links);
    return read;
  });
  const toNode = (row: (typeof caseRows)[number]): Case => {
    const c = toCase(row);
    const links = linked.get(row);
    if (links) joinedLinks.set(c, links);
    return c;
  };
  return pageOf(caseRows, page, toNode, async () => {
    const [row] = await ctx.db.select({ n: count() }).from(cases).where(scope);
    return Number(row?.n ?? 0);
  });
}

/** One case the caller may read; otherwise NOT_FOUND (a denial noted for the audit log when it exists). */
export async function getCase(ctx: RequestContext, id: string, action = 'read', db: Executor = ctx.db): Promise<Case> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await db.select().from(cases).where(eq(cases.id, id)) : [];
  if (!row) throw new NotFoundError('Case', id);
  const found = toCase(row);
  if (!ctx.ability.can('read', caseSubject(found))) {
    ctx.ledger.denied({ operation: action, kind: 'Case', recordId: row.id, reason: 'outside the caller’s scope: answered NOT_FOUND' });
    throw new NotFoundError('Case', id);
  }
  return found;
}

export async function casesByIds(db: Executor, ids: readonly string[]): Promise<CaseRow[]> {
  const wellFormed = ids.filter(isUuid);
  if (wellFormed.length === 0) return [];
  return db.select().from(cases).where(inArray(cases.id, wellFormed));
}

// ---------------------------------------------------------------------------------------------
// Writing: every new case goes through insertCases; every change through one conditional UPDATE.

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

function text(value: string | null | undefined, field: string, max: number, required = false): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    if (required) throw new BadUserInputError(`${field} must not be empty`, `input.${field}`);
    return null;
  }
  if ([...trimmed].length > max) throw new BadUserInputError(`${field} is longer than ${max} characters`, `input.${field}`);
  if (!storable(trimmed)) throw new BadUserInputError(`${field} holds a NUL character or a broken UTF-16 surrogate`, `input.${field}`);
  return trimmed;
}

const REQUEST_CATEGORY_EVENT: Record<RequestCategoryName, EventCategoryName> = {
  HAZARD: 'SAFETY_HAZARD',
  COMPLAINT: 'CITY_APPEARANCE',
  HELP: 'PUBLIC_SERVICE',
  SUGGESTION: 'PUBLIC_SERVICE',
};

interface OriginDefaults {
  kind: CaseOriginName;
  id: string | null;
  unitPath: string;
  title: string;
  description: string;
  category: EventCategoryName;
  severity: SeverityName | null;
  lat: number | null;
  lng: number | null;
  reporterName: string | null;
  reporterPhone: string | null;
}

async function existingCaseFor(db: Executor, kind: CaseOriginName, id: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(cases).where(and(eq(cases.originKind, kind), eq(cases.originId, id))).limit(1);
  return row;
}

/** What the origin named in the input gives the case; NOT_FOUND for an origin the caller may not read. */
async function originOf(ctx: RequestContext, input: OpenCaseInput): Promise<OriginDefaults> {
  const named = [input.alertId, input.requestId, input.findingId].filter((v) => v != null);
  if (named.length > 1) throw new BadUserInputError('Name at most one of alertId, requestId, findingId', 'input');
  if (input.alertId != null) {
    const [row] = isUuid(input.alertId) ? await ctx.db.select().from(alerts).where(eq(alerts.id, input.alertId)) : [];
    if (!row || !ctx.ability.can('read', subject('Alert', { ...row }))) throw new NotFoundError('Alert', input.alertId);
    return {
      kind: 'ALERT', id: row.id, unitPath: row.unitPath, title: ALERT_TYPE_TITLE[row.type], description: '', category: ALERT_TYPE_CATEGORY[row.type],
      severity: row.severity, lat: row.lat, lng: row.lng, reporterName: null, reporterPhone: null,
    };
  }
  if (input.requestId != null) {
    const [row] = isUuid(input.requestId) ? await ctx.db.select().from(residentRequests).where(eq(residentRequests.id, input.requestId)) : [];
    if (!row || !ctx.ability.can('read', subject('ResidentRequest', { id: row.id, unitPath: row.unitPath, type: row.category, status: row.status }))) {
      throw new NotFoundError('ResidentRequest', input.requestId);
    }
    return {
      kind: 'RESIDENT_REQUEST', id: row.id, unitPath: row.unitPath, title: [...row.text].slice(0, 40).join(''), description: row.text,
      category: REQUEST_CATEGORY_EVENT[row.category], severity: null, lat: row.lat, lng: row.lng, reporterName: row.contactName, reporterPhone: row.contactPhone,
    };
  }
  if (input.findingId != null) {
    const [row] = await findingsByIds(ctx.db, [input.findingId]);
    if (!row || !ctx.ability.can('read', subject('PatrolReport', { unitPath: row.unitPath }))) throw new NotFoundError('PatrolFinding', input.findingId);
    return {
      kind: 'PATROL_FINDING', id: row.id, unitPath: row.unitPath, title: [...row.description].slice(0, 40).join(''), description: row.description,
      category: row.category, severity: row.severity, lat: row.lat, lng: row.lng, reporterName: null, reporterPhone: null,
    };
  }
  if (!input.unitCode) throw new BadUserInputError('A case by hand needs unitCode', 'input.unitCode');
  const unit: UnitRow | undefined = (await unitsByCodes(ctx.db, [input.unitCode])).get(input.unitCode);
  if (!unit) throw new BadUserInputError(`No unit has code ${input.unitCode}`, 'input.unitCode');
  if (!input.title) throw new BadUserInputError('A case by hand needs a title', 'input.title');
  if (!input.category) throw new BadUserInputError('A case by hand needs a category', 'input.category');
  if (!input.severity) throw new BadUserInputError('A case by hand needs a severity', 'input.severity');
  return {
    kind: 'MANUAL', id: null, unitPath: unit.path, title: '', description: '', category: input.category, severity: input.severity,
    lat: null, lng: null, reporterName: null, reporterPhone: null,
  };
}

/**
 * Opens a case (REPORTED) from an alert, a resident request, a patrol finding, or by hand. The
 * case sits at the origin's unit and is first assigned there. One transaction: the case, its
 * OPEN history entry, the link on the request (IN_CASE) or the finding, the audit entry and
 * the caseChanged event. An origin that already has a case → CONFLICT naming it.
 */
export async function openCase(ctx: RequestContext, input: OpenCaseInput): Promise<Case> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'open', 'Case');
  const origin = await originOf(ctx, input);
  const title = text(input.title, 'title', CASE_LIMITS.title) ?? origin.title;
  const description = text(input.description, 'description', CASE_LIMITS.description) ?? origin.description;
  const note = text(input.note, 'note', CASE_LIMITS.note);
  const reporterName = text(input.reporterName, 'reporterName', CASE_LIMITS.reporterName) ?? origin.reporterName;
  const reporterPhone = text(input.reporterPhone, 'reporterPhone', CASE_LIMITS.reporterPhone) ?? origin.reporterPhone;
  if (input.location && !(Math.abs(input.location.lat) <= 90 && Math.abs(input.location.lng) <= 180)) throw new BadUserInputError('location out of range', 'input.location');
  const category = input.category ?? origin.category;
  const severity = input.severity ?? origin.severity ?? 'MEDIUM';
  const unitPath = origin.unitPath;
  const candidate = { id: '', unitPath, assigneePath: unitPath, assigneeCode: codesOfPath(unitPath).at(-1) ?? '', category, state: 'REPORTED' as const };
  if (!ctx.ability.can('open', caseSubject(candidate))) throw new ForbiddenError('open', 'Case', `Not allowed to open cases at ${candidate.assigneeCode}`);
  const now = ctx.hub.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    if (origin.id) {
      const existing = await existingCaseFor(tx, origin.kind, origin.id);
      if (existing) throw new ConflictError(`Case ${existing.number} was already opened from this ${origin.kind.toLowerCase().replace('_', ' ')}`, { caseId: existing.id, number: existing.number });
    }
    const [written] = await insertCases(tx, [
      {
        title, description, category, severity, state: 'REPORTED', originKind: origin.kind, originId: origin.id, unitPath, assigneePath: unitPath,
        lat: input.location?.lat ?? origin.lat, lng: input.location?.lng ?? origin.lng, reporterName, reporterPhone,
        openedAt: now, openedBy: principal.name, actorUnitCode: homeOf(principal)?.code ?? null, note, source: null, externalId: null,
      },
    ]);
    if (!written) throw new Error('insert returned no case');
    if (origin.kind === 'RESIDENT_REQUEST' && origin.id) {
      await tx.update(residentRequests).set({ status: 'IN_CASE' }).where(and(eq(residentRequests.id, origin.id), inArray(residentRequests.status, ['SUBMITTED', 'REPLIED'])));
    }
    if (origin.kind === 'PATROL_FINDING' && origin.id && !(await linkFindingToCase(tx, origin.id, written.id))) {
      throw new ConflictError('A case was already opened from this patrol finding', {});
    }
    await publishIds(ctx.hub.bus, tx, 'caseChanged', [written.id]);
    await audit(ctx, tx, { operation: 'openCase', kind: 'Case', recordIds: [written.id], details: { origin: origin.kind, originId: origin.id, number: written.number } });
    return written;
  });
  return toCase(row);
}

export interface TransitionArgs {
  id: string;
  action: CaseActionName;
  note?: string | null;
  assigneeUnitCode?: string | null;
  expectedVersion?: number | null;
}

function notAllowed(c: Case, action: CaseActionName, allowed: CaseActionName[]): ConflictError {
  return new ConflictError(
    `${action} is not allowed on case ${c.number} in state ${c.state} for you; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    { state: c.state, version: c.version, allowedActions: allowed },
  );
}

/**
 * Moves a case by one action of the workflow table. The caller must be able to read it
 * (NOT_FOUND), hold a role on it (FORBIDDEN), and the action must be allowed in its state for
 * that role (CONFLICT listing what is allowed). The UPDATE is conditional on the version read
 * (or `expectedVersion`): of two officers acting at once, one wins, the other gets CONFLICT.
 * History, audit and caseChanged commit with the change.
 */
export async function transitionCase(ctx: RequestContext, args: TransitionArgs): Promise<Case> {
  const principal = requirePrincipal(ctx);
  const current = await getCase(ctx, args.id, 'transition');
  const roles = rolesOn(ctx, current);
  if (roles.size === 0) throw new ForbiddenError('handle', 'Case', `Not allowed to act on case ${current.number}`, current.id);
  if (!CALLER_ACTIONS.includes(args.action)) throw notAllowed(current, args.action, actionsFor(ctx, current));
  const allowed = allowedActions(current.state, roles);
  if (!allowed.includes(args.action)) throw notAllowed(current, args.action, allowed);
  if (args.expectedVersion != null && args.expectedVersion !== current.version) {
    throw new ConflictError(`Case ${current.number} is at version ${current.version}, not ${args.expectedVersion}: it changed since you read it`, {
      state: current.state, version: current.version, allowedActions: allowed,
    });
  }
  const step = WORKFLOW[args.action];
  const note = text(args.note, 'note', CASE_LIMITS.note);
  let assignee: UnitRow | undefined;
  if (step.needsAssignee) {
    if (!args.assigneeUnitCode) throw new BadUserInputError(`${args.action} needs assigneeUnitCode`, 'assigneeUnitCode');
    assignee = (await unitsByCodes(ctx.db, [args.assigneeUnitCode])).get(args.assigneeUnitCode);
    if (!assignee) throw new BadUserInputError(`No unit has code ${args.assigneeUnitCode}`, 'assigneeUnitCode');
    const home = principal.unit;
    if (!home || !(assignee.path === home.path || assignee.path.startsWith(`${home.path}.`))) {
      throw new ForbiddenError('dispatch', 'Case', `You may dispatch only to units within ${home ? `${home.name} (${home.code})` : 'your unit'}`, current.id);
    }
  } else if (args.assigneeUnitCode) {
    throw new BadUserInputError(`${args.action} takes no assigneeUnitCode`, 'assigneeUnitCode');
  }
  const now = ctx.hub.clock.now();
  const to = targetState(args.action, current.state, null);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(cases)
      .set({
        state: args.action === 'RESUME' ? sql`coalesce(${cases.suspendedFrom}, 'REGISTERED')` : to,
        suspendedFrom: args.action === 'SUSPEND' ? current.state : args.action === 'RESUME' ? null : sql`${cases.suspendedFrom}`,
        version: sql`${cases.version} + 1`,
        updatedAt: now,
        ...(assignee ? { assigneeCode: assignee.code, assigneePath: assignee.path } : {}),
        ...(step.renewsDeadline ? { deadlineAt: deadlineFrom(now, current.category, current.severity) } : {}),
        ...(step.reopens ? { reopenCount: sql`${cases.reopenCount} + 1` } : {}),
        ...(FINAL_STATES.includes(to) && args.action !== 'RESUME' ? { closedAt: now } : {}),
      })
      .where(and(eq(cases.id, current.id), eq(cases.version, current.version)))
      .returning();
    if (!updated) return undefined;
    await tx.insert(caseHistory).values({
      caseId: updated.id,
      seq: updated.version,
      actor: principal.name,
      actorUnitCode: homeOf(principal)?.code ?? null,
      at: now,
      action: args.action,
      fromState: current.state,
      toState: updated.state,
      note,
      assigneeBefore: current.assigneeCode,
      assigneeAfter: updated.assigneeCode,
    });
    // The resident's request closes with its case: the status page shows CLOSED and asks for a rating.
    if (updated.state === 'CLOSED' && updated.originKind === 'RESIDENT_REQUEST' && updated.originId) await closeRequestOfCase(ctx, tx, updated.originId, updated.number, now);
    await publishIds(ctx.hub.bus, tx, 'caseChanged', [updated.id]);
    await audit(ctx, tx, {
      operation: 'transitionCase', kind: 'Case', recordIds: [updated.id],
      details: { action: args.action, from: current.state, to: updated.state, assigneeBefore: current.assigneeCode, assigneeAfter: updated.assigneeCode, version: updated.version },
    });
    return updated;
  });
  if (!row) {
    // Someone else changed it between the read and the update: say where it stands now.
    const now2 = await getCase(ctx, args.id, 'transition');
    throw new ConflictError(`Case ${now2.number} changed while you acted (now ${now2.state}, version ${now2.version}); nothing was written`, {
      state: now2.state, version: now2.version, allowedActions: actionsFor(ctx, now2),
    });
  }
  return toCase(row);
}

/**
 * What the requests module needs of the case opened from a request (registered at start in
 * src/main.ts, so requests never imports cases): the case, locked, and the resident's rating
 * written onto it.
 */
export const requestCaseLink: RequestCaseLink = {
  async caseOf(tx, requestId) {
    const [row] = await tx
      .select({ id: cases.id, number: cases.number, state: cases.state })
      .from(cases)
      .where(and(eq(cases.originKind, 'RESIDENT_REQUEST'), eq(cases.originId, requestId)))
      .limit(1)
      .for('update');
    return row ? { ...row, final: FINAL_STATES.includes(row.state) } : undefined;
  },
  async rateCase(tx, caseId, satisfaction) {
    await tx.update(cases).set({ satisfaction }).where(eq(cases.id, caseId));
  },
};
