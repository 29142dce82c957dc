import { eq, inArray } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import type { DataDomain } from '../../platform/auth/principal.js';
import { ForbiddenError } from '../../platform/errors.js';
import { unitsByCodes, type UnitRow } from '../units/index.js';
import { departments, type DepartmentRow } from '../principals/index.js';
import { checkBatchSize, checkSource, checks, markRepeats, rejection, RecordErrorCode, retiredRejection, type IngestReport, type Verdict } from '../ingest/index.js';
import { applyPlans, rejectedCount, writtenKeys } from './directory.apply.js';
import type { DepartmentRecordInput, ImportDepartmentsInput } from './directory.input.js';

const CODE = /^[a-z0-9-]{1,100}$/;
const TYPE = /^[A-Z0-9_]{1,100}$/;
/** The record kinds a department can own: the kinds whose policies read `departmentConditions`. */
export const DOMAIN_KINDS = ['Alert', 'Device', 'ResidentRequest', 'Case', 'PatrolReport', 'Report'] as const;

interface Planned {
  row: DepartmentRow;
  change: 'insert' | 'update' | 'same';
  /** Where its rights lie now, and where they lay before. */
  paths: string[];
}

function checkDomains(domains: readonly DataDomain[]): Verdict | undefined {
  const kinds = new Set<string>();
  for (const domain of domains) {
    if (!(DOMAIN_KINDS as readonly string[]).includes(domain.kind)) return rejection(RecordErrorCode.INVALID_FIELD, 'domains', `A domain's kind is one of ${DOMAIN_KINDS.join(', ')}; got "${domain.kind}"`);
    if (kinds.has(domain.kind)) return rejection(RecordErrorCode.INVALID_FIELD, 'domains', `${domain.kind} is named twice`);
    kinds.add(domain.kind);
    const bad = domain.types?.find((type) => !TYPE.test(type));
    if (bad !== undefined) return rejection(RecordErrorCode.INVALID_FIELD, 'domains', `A type is upper-case letters, digits and _; got "${bad}"`);
    if (domain.types?.length === 0) return rejection(RecordErrorCode.INVALID_FIELD, 'domains', `${domain.kind}: name at least one type, or none for every type`);
  }
  return undefined;
}

function checkRecord(record: DepartmentRecordInput, unit: UnitRow | undefined): Verdict | undefined {
  if (!CODE.test(record.code)) return rejection(RecordErrorCode.INVALID_FIELD, 'code', `code is 1 to 100 of a-z, 0-9 and -; got "${record.code}"`);
  const invalid = checks.text(record.name, 'name', 200) ?? checkDomains(normalDomains(record.domains) ?? []);
  if (invalid) return invalid;
  if (!unit) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'jurisdictionCode', `No unit has code ${record.jurisdictionCode}`);
  if (unit.retiredAt) return retiredRejection(unit, 'jurisdictionCode');
  return undefined;
}

/** Domains as stored: types sorted, no types meaning every type; undefined when the record names none. */
function normalDomains(domains: DepartmentRecordInput['domains']): DataDomain[] | undefined {
  return domains?.map((domain) => ({ kind: domain.kind, types: domain.types ? [...new Set(domain.types)].sort() : null }));
}

function plan(record: DepartmentRecordInput, existing: DepartmentRow | undefined, unit: UnitRow, before: UnitRow | undefined): Planned {
  const row: DepartmentRow = { code: record.code, name: record.name.trim(), jurisdictionCode: unit.code, domains: normalDomains(record.domains) ?? existing?.domains ?? [] };
  if (!existing) return { row, change: 'insert', paths: [unit.path] };
  const same = existing.name === row.name && existing.jurisdictionCode === row.jurisdictionCode && JSON.stringify(existing.domains) === JSON.stringify(row.domains);
  return { row, change: same ? 'same' : 'update', paths: [unit.path, ...(before ? [before.path] : [])] };
}

/**
 * importDepartments: an admin's departments (the data domains adapters and data officers
 * belong to, within a jurisdiction unit), on the ingest contract. A department whose
 * jurisdiction, old or new, lies outside the caller's subtree makes the whole batch FORBIDDEN,
 * nothing written. A change publishes `accessChanged` for the department with the write: its
 * members' cached access is dropped on every hub process and their connections rebuild it.
 */
export async function importDepartments(ctx: RequestContext, input: ImportDepartmentsInput): Promise<IngestReport> {
  const caller = requirePrincipal(ctx);
  requireCan(ctx, 'manage', 'Directory');
  checkBatchSize(input.records.length);
  checkSource(caller, input.source);
  const codes = input.records.map((r) => r.code);
  const existing = codes.length ? await ctx.db.select().from(departments).where(inArray(departments.code, [...new Set(codes)])) : [];
  const known = new Map(existing.map((row) => [row.code, row]));
  const unitCodes = [...input.records.map((r) => r.jurisdictionCode), ...existing.map((row) => row.jurisdictionCode)];
  const unitRows = await unitsByCodes(ctx.db, [...new Set(unitCodes)]);
  const outside: string[] = [];
  const plans: (Planned | undefined)[] = [];
  const verdicts = input.records.map((record): Verdict => {
    const before = known.get(record.code);
    const unit = unitRows.get(record.jurisdictionCode);
    const verdict = checkRecord(record, unit);
    const planned = verdict ? undefined : plan(record, before, unit!, before && unitRows.get(before.jurisdictionCode));
    const paths = planned?.paths ?? [unit?.path, before && unitRows.get(before.jurisdictionCode)?.path].filter((p): p is string => !!p);
    if (paths.some((unitPath) => !ctx.ability.can('manage', subject('Directory', { unitPath })))) outside.push(record.code);
    plans.push(planned);
    return verdict ?? { status: 'pending' };
  });
  if (outside.length > 0) throw new ForbiddenError('manage', 'Directory', `Outside your unit ${caller.unit?.name} (${caller.unit?.code}): ${outside.slice(0, 10).join(', ')}. Nothing was written.`);
  markRepeats(codes, verdicts);
  return applyPlans(ctx, {
    keys: codes,
    verdicts,
    plans,
    atomic: input.atomic,
    summary: (applied, aborted) => ({
      operation: 'importDepartments',
      kind: 'Department',
      recordIds: writtenKeys(codes, applied),
      details: { source: input.source, records: codes.length, inserted: applied.inserted.size, updated: applied.updated.size, rejected: rejectedCount(verdicts), aborted },
    }),
    insert: (tx, row) => tx.insert(departments).values(row),
    update: async (tx, row) => {
      await tx.update(departments).set(row).where(eq(departments.code, row.code));
      return ctx.hub.bus.publish(tx, 'accessChanged', { granteeDepartmentCode: row.code });
    },
  });
}
