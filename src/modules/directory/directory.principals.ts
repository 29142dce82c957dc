import { and, eq, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { RequestContext } from '../../platform/context.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import type { Principal, Role } from '../../platform/auth/principal.js';
import { withinPath } from '../../platform/db/path.js';
import { ForbiddenError } from '../../platform/errors.js';
import { pageOf, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { requireUnit, toUnit, units, unitsByCodes, type UnitRow } from '../units/index.js';
import { departments, principals, type DepartmentRow, type PrincipalRow } from '../principals/index.js';
import { checkBatchSize, checkSource, checks, markRepeats, rejection, RecordErrorCode, retiredRejection, type IngestReport, type Verdict } from '../ingest/index.js';
import { applyPlans, rejectedCount, writtenKeys } from './directory.apply.js';
import type { ImportPrincipalsInput, PrincipalFilter, PrincipalRecordInput } from './directory.input.js';
import { DirectoryPrincipal } from './directory.type.js';

const NAME = /^[\p{L}\p{N}._@-]{1,200}$/u;

interface Lookups {
  units: Map<string, UnitRow>;
  departments: Map<string, DepartmentRow & { jurisdictionPath: string }>;
  existing: Map<string, PrincipalRow>;
}

async function lookUp(ctx: RequestContext, records: readonly PrincipalRecordInput[]): Promise<Lookups> {
  const names = [...new Set(records.map((r) => r.name))];
  const existing = names.length ? await ctx.db.select().from(principals).where(inArray(principals.name, names)) : [];
  const departmentCodes = [...new Set([...records.map((r) => r.department), ...existing.map((p) => p.departmentCode)].filter((c): c is string => !!c))];
  const found = departmentCodes.length
    ? await ctx.db.select({ department: departments, path: units.path }).from(departments).innerJoin(units, eq(units.code, departments.jurisdictionCode)).where(inArray(departments.code, departmentCodes))
    : [];
  const unitCodes = [...records.map((r) => r.unitCode), ...existing.map((p) => p.unitCode)].filter((c): c is string => !!c);
  return {
    units: await unitsByCodes(ctx.db, [...new Set(unitCodes)]),
    departments: new Map(found.map((row) => [row.department.code, { ...row.department, jurisdictionPath: row.path }])),
    existing: new Map(existing.map((row) => [row.name, row])),
  };
}

/** Where a principal's rights lie: its unit, or its department's jurisdiction. */
function homePath(lookups: Lookups, unitCode: string | null | undefined, departmentCode: string | null | undefined): string | undefined {
  return (unitCode ? lookups.units.get(unitCode)?.path : undefined) ?? (departmentCode ? lookups.departments.get(departmentCode)?.jurisdictionPath : undefined);
}

function checkFields(record: PrincipalRecordInput, caller: Principal): Verdict | undefined {
  if (!NAME.test(record.name)) return rejection(RecordErrorCode.INVALID_FIELD, 'name', 'name is 1 to 200 letters, digits or . _ - @');
  if (record.kind !== 'PERSON' && record.kind !== 'ADAPTER') return rejection(RecordErrorCode.INVALID_FIELD, 'kind', 'kind is PERSON or ADAPTER');
  if (record.roles.length === 0) return rejection(RecordErrorCode.INVALID_FIELD, 'roles', 'roles must name at least one role');
  if (record.kind === 'PERSON' && record.roles.includes('ADAPTER')) return rejection(RecordErrorCode.INVALID_FIELD, 'roles', 'ADAPTER is the role of adapters, not of people');
  if (record.kind === 'ADAPTER' && record.roles.some((r) => r !== 'ADAPTER')) return rejection(RecordErrorCode.INVALID_FIELD, 'roles', 'an adapter holds the ADAPTER role only');
  if (record.kind === 'PERSON' && !record.unitCode) return rejection(RecordErrorCode.INVALID_FIELD, 'unitCode', 'a PERSON works at a unit: unitCode is required');
  if (record.kind === 'ADAPTER' && !record.department) return rejection(RecordErrorCode.INVALID_FIELD, 'department', 'an ADAPTER belongs to a department: department is required');
  if (record.displayName != null) {
    const invalid = checks.text(record.displayName, 'displayName', 200);
    if (invalid) return invalid;
  }
  if (record.name === caller.name && record.disabled) return rejection(RecordErrorCode.INVALID_FIELD, 'disabled', 'you cannot disable yourself');
  return undefined;
}

function checkPlaces(record: PrincipalRecordInput, lookups: Lookups, existing: PrincipalRow | undefined): Verdict | undefined {
  const unit = record.unitCode ? lookups.units.get(record.unitCode) : undefined;
  if (record.unitCode && !unit) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'unitCode', `No unit has code ${record.unitCode}`);
  if (unit?.retiredAt) return retiredRejection(unit, 'unitCode');
  if (record.department && !lookups.departments.has(record.department)) return rejection(RecordErrorCode.UNKNOWN_RECORD, 'department', `No department has code ${record.department}`);
  if (existing && existing.kind !== record.kind) return rejection(RecordErrorCode.INVALID_FIELD, 'kind', `${record.name} is a ${existing.kind}; a principal keeps its kind`);
  return undefined;
}

interface Planned {
  row: Omit<PrincipalRow, 'createdAt'>;
  change: 'insert' | 'update' | 'same';
}

function plan(record: PrincipalRecordInput, existing: PrincipalRow | undefined, now: Date): Planned {
  const roles = [...new Set(record.roles)].sort() as Role[];
  const disabledAt = record.disabled == null ? (existing?.disabledAt ?? null) : record.disabled ? (existing?.disabledAt ?? now) : null;
  const row = { name: record.name, displayName: record.displayName?.trim() || existing?.displayName || record.name, kind: record.kind, roles, unitCode: record.unitCode ?? null, departmentCode: record.department ?? null, disabledAt };
  if (!existing) return { row, change: 'insert' };
  const same =
    existing.displayName === row.displayName &&
    [...existing.roles].sort().join() === roles.join() &&
    existing.unitCode === row.unitCode &&
    existing.departmentCode === row.departmentCode &&
    (existing.disabledAt === null) === (row.disabledAt === null);
  return { row, change: same ? 'same' : 'update' };
}

/**
 * importPrincipals: an admin's staff and adapters, on the ingest contract. Whole batch
 * FORBIDDEN (nothing written) for a principal outside the caller's subtree or a role the caller
 * does not hold. Each change publishes `accessChanged` for the principal, with the write: every
 * hub process drops what it cached, and a disabled principal's connections close (4401).
 */
export async function importPrincipals(ctx: RequestContext, input: ImportPrincipalsInput): Promise<IngestReport> {
  const caller = requirePrincipal(ctx);
  requireCan(ctx, 'manage', 'Principal');
  checkBatchSize(input.records.length);
  checkSource(caller, input.source);
  const names = input.records.map((r) => r.name);
  const lookups = await lookUp(ctx, input.records);
  const now = ctx.hub.clock.now();
  const outside: string[] = [];
  const escalations = new Set<string>();
  const plans: (Planned | undefined)[] = [];
  const verdicts = input.records.map((record): Verdict => {
    const existing = lookups.existing.get(record.name);
    const verdict = checkFields(record, caller) ?? checkPlaces(record, lookups, existing);
    const homes = [homePath(lookups, record.unitCode, record.department), existing && homePath(lookups, existing.unitCode, existing.departmentCode)];
    if (homes.some((unitPath) => unitPath !== undefined && !ctx.ability.can('manage', subject('Principal', { unitPath })))) outside.push(record.name);
    for (const role of record.roles) if (!caller.roles.includes(role) && !(record.kind === 'ADAPTER' && role === 'ADAPTER')) escalations.add(role);
    plans.push(verdict ? undefined : plan(record, existing, now));
    return verdict ?? { status: 'pending' };
  });
  if (outside.length > 0) throw new ForbiddenError('manage', 'Principal', `Outside your unit ${caller.unit?.name} (${caller.unit?.code}): ${outside.slice(0, 10).join(', ')}. Nothing was written.`);
  if (escalations.size > 0) throw new ForbiddenError('manage', 'Principal', `You do not hold ${[...escalations].join(', ')}, so you cannot grant it. Nothing was written.`);
  markRepeats(names, verdicts);
  return applyPlans(ctx, {
    keys: names,
    verdicts,
    plans,
    atomic: input.atomic,
    summary: (applied, aborted) => {
      const written = (i: number) => applied.inserted.has(i) || applied.updated.has(i);
      return {
        operation: 'importPrincipals',
        kind: 'Principal',
        recordIds: writtenKeys(names, applied),
        details: {
          source: input.source,
          records: names.length,
          inserted: applied.inserted.size,
          updated: applied.updated.size,
          rejected: rejectedCount(verdicts),
          aborted,
          disabled: names.filter((name, i) => written(i) && plans[i]?.row.disabledAt && !lookups.existing.get(name)?.disabledAt),
          enabled: names.filter((name, i) => applied.updated.has(i) && !plans[i]?.row.disabledAt && lookups.existing.get(name)?.disabledAt),
        },
      };
    },
    insert: (tx, row) => tx.insert(principals).values(row),
    update: async (tx, row) => {
      await tx.update(principals).set(row).where(eq(principals.name, row.name));
      return ctx.hub.bus.publish(tx, 'accessChanged', { principal: row.name });
    },
  });
}

const jurisdiction = alias(units, 'jurisdiction');

/** principals(filter, first/after or last/before): the principals working (or owning data) within the admin's unit, newest first, paged on (createdAt, name). */
export async function listPrincipals(ctx: RequestContext, filter: PrincipalFilter | undefined, args: PageArgs): Promise<Page<DirectoryPrincipal>> {
  const caller = requirePrincipal(ctx);
  requireCan(ctx, 'manage', 'Principal');
  const page = pageRequest(args);
  const root = caller.unit!.path;
  const where: SQL[] = [or(withinPath(units.path, root), and(isNull(principals.unitCode), withinPath(jurisdiction.path, root))) as SQL];
  if (filter?.unitCode) where.push(withinPath(units.path, (await requireUnit(ctx.db, filter.unitCode)).path));
  if (filter?.kind) where.push(eq(principals.kind, filter.kind));
  if (filter?.disabled != null) where.push(filter.disabled ? isNotNull(principals.disabledAt) : isNull(principals.disabledAt));
  // createdAt keeps microseconds and a cursor milliseconds: page on the time as the cursor has it.
  const createdAt = sql`date_trunc('milliseconds', ${principals.createdAt})`;
  const keyset = page.cursor ? sql`(${createdAt}, ${principals.name}) ${page.backward ? sql`>` : sql`<`} (${page.cursor.at.toISOString()}::timestamptz, ${page.cursor.id})` : undefined;
  const from = () =>
    ctx.db
      .select({ principal: principals, unit: units })
      .from(principals)
      .leftJoin(units, eq(units.code, principals.unitCode))
      .leftJoin(departments, eq(departments.code, principals.departmentCode))
      .leftJoin(jurisdiction, eq(jurisdiction.code, departments.jurisdictionCode));
  const rows = await from()
    .where(and(...where, keyset))
    .orderBy(page.backward ? sql`${createdAt} asc, ${principals.name} asc` : sql`${createdAt} desc, ${principals.name} desc`)
    .limit(page.limit + 1);
  const toNode = ({ principal, unit }: (typeof rows)[number]) => Object.assign(new DirectoryPrincipal(), { ...principal, unit: unit ? toUnit(unit) : null });
  return pageOf(rows, page, toNode, async () => {
    const [row] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(principals)
      .leftJoin(units, eq(units.code, principals.unitCode))
      .leftJoin(departments, eq(departments.code, principals.departmentCode))
      .leftJoin(jurisdiction, eq(jurisdiction.code, departments.jurisdictionCode))
      .where(and(...where));
    return Number(row?.n ?? 0);
  });
}

export function toPrincipalKey(principal: DirectoryPrincipal): TimeKey {
  return { at: principal.createdAt, id: principal.name };
}
