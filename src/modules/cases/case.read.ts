import { and, count, eq, gte, inArray, lt, not, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { tableReader } from '../../platform/db/reader.js';
import { isUuid } from '../../platform/db/ids.js';
import { geoSql } from '../../platform/db/geo.js';
import { withinPlacement } from '../../platform/db/placement.js';
import { withinPath } from '../../platform/db/path.js';
import { abilityToSql } from '../../platform/auth/ability-sql.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageLimit, pageOf, pageOrder, pageRequest, type Page, type PageArgs } from '../../platform/graphql/connection.js';
import { selectsOnly } from '../../platform/graphql/lookahead.js';
import { createUnitLoaders, requireUnit, toUnit, UNIT_KEYS, units, type Unit } from '../units/index.js';
import { caseHistory, cases, type CaseRow } from './case.table.js';
import { CaseHistoryEntry, type Case } from './case.type.js';
import { createCaseHistoryLoader } from './case.history.js';
import type { CaseFilter } from './case.input.js';
import { CASE_KEYS, caseFields, caseSubject, toCase } from './case.model.js';
import { SLA_STATES } from './case.workflow.js';

/* Reading cases: the page (scope and filter in SQL, links in the same statement), one case, cases by id. */

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
  if (filter.receivedFrom) where.push(gte(cases.openedAt, filter.receivedFrom));
  if (filter.receivedTo) where.push(lt(cases.openedAt, filter.receivedTo));
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
interface CaseLinks {
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
interface CaseInclude {
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
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Case', caseFields), ...(await filterSql(db, filter, ctx.hub.clock.now()))) as SQL;
  const keyset = keysetCondition(cases.openedAt, cases.id, page);
  // Lean reads leave the other columns undefined in the row, and the other entry fields out of
  // the history: toCase then makes cases whose unread fields are never resolved, since the
  // selection does not reach them.
  const caseReader = (selectsOnly(include.node, LEAN_CASE_FIELDS) ? LEAN_CASE_READER : CASE_READER) as typeof CASE_READER;
  const partialHistory = include.history === true && selectsOnly(include.historyFields, LEAN_HISTORY_NAMES);
  const history = partialHistory ? LEAN_HISTORY_JSON : HISTORY_JSON;
  const rows = await executeRows<Record<string, unknown>>(
    db,
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
    const [row] = await db.select({ n: count() }).from(cases).where(scope);
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
