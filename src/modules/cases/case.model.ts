import type { RequestContext } from '../../platform/context.js';
import { withinPlacement } from '../../platform/db/placement.js';
import { withinPath } from '../../platform/db/path.js';
import type { FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import type { TimeKey } from '../../platform/graphql/connection.js';
import { maskedFields, personalPoint, personalText, personalValue } from '../../platform/privacy/personal.js';
import { cases, type CaseRow } from './case.table.js';
import { Case, CaseHistoryEntry } from './case.type.js';
import { CASE_MASKS, CASE_PERSONAL_FIELDS, type CasePersonalField } from './case.policy.js';
import { SLA_STATES, allowedActions, type ActorRole, type CaseActionName } from './case.workflow.js';

/*
 * A case as the rest of the module sees it: the row's columns, the GraphQL object made from
 * them, the CASL subject, the caller's roles and actions on it, and its masked fields.
 */

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

/** A case's title or description: phone and ID numbers in it masked unless the caller sees its reporter's phone in full. */
export function caseText(ctx: RequestContext, c: Case, field: 'title' | 'description'): string {
  return personalText(ctx, 'Case', { ...caseSubject(c) }, 'reporterPhone', field, c[field]);
}

/**
 * The history as this caller may read it: a note is free text staff wrote, so phone and ID
 * numbers in it are masked unless the caller sees the reporter's phone in full. Entries without
 * such numbers are returned as they are.
 */
export function caseHistoryAsSeen(ctx: RequestContext, c: Case, entries: CaseHistoryEntry[]): CaseHistoryEntry[] {
  const record = { ...caseSubject(c) };
  return entries.map((entry) => {
    if (entry.note === null) return entry;
    const note = personalText(ctx, 'Case', record, 'reporterPhone', 'history.note', entry.note);
    return note === entry.note ? entry : Object.assign(new CaseHistoryEntry(), entry, { note });
  });
}

/**
 * Where it is: a case with a reporter, or opened from a resident's request, is personal, so its
 * position is exact only for whoever sees the reporter in full (about 100 m for everyone else).
 */
export function caseLocation(ctx: RequestContext, c: Case): Case['location'] {
  const personal = c.personal.reporterName !== null || c.personal.reporterPhone !== null || c.origin.kind === 'RESIDENT_REQUEST';
  return personal ? personalPoint(ctx, 'Case', { ...caseSubject(c) }, 'reporterPhone', c.location) : c.location;
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
