import { and, count, eq, gt, isNotNull, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Receipt } from '../../platform/pubsub/bus.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { withinPath } from '../../platform/db/path.js';
import type { Principal } from '../../platform/auth/principal.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { receivesDepartmentGrants, receivesUnitGrants, type AccessGrant } from '../../platform/auth/grant.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { requireUnit } from '../units/index.js';
import { departments } from '../principals/index.js';
import { audit } from '../audit/index.js';
import { grants, type GrantRow } from './grant.table.js';
import type { GrantableKind } from '../../platform/module.js';
import { GRANTABLE_KINDS, kindOfSubject } from './grant.kinds.js';
import { Grant } from './grant.type.js';
import type { GrantAccessInput, GrantFilter } from './grant.input.js';

function toAccessGrant(row: GrantRow): AccessGrant {
  return { id: row.id, kind: row.kind, types: row.types, fields: row.fields, withinPath: row.withinPath, expiresAt: row.expiresAt };
}

function toGrant(row: GrantRow, now: Date): Grant {
  return Object.assign(new Grant(), {
    id: row.id,
    granteeUnitCode: row.granteeUnitCode,
    granteeDepartmentCode: row.granteeDepartmentCode,
    kind: kindOfSubject(row.kind) ?? row.kind,
    types: row.types,
    fields: row.fields,
    withinUnitCode: row.withinUnitCode,
    withinPath: row.withinPath,
    expiresAt: row.expiresAt,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
    active: row.revokedAt === null && row.expiresAt > now,
  });
}

/** The grants in force for this principal now: not revoked, not expired, naming its unit or department. */
export async function activeGrantsFor(db: Executor, principal: Principal, now: Date): Promise<AccessGrant[]> {
  const grantees: SQL[] = [];
  if (receivesUnitGrants(principal) && principal.unit) grantees.push(eq(grants.granteeUnitCode, principal.unit.code));
  if (receivesDepartmentGrants(principal) && principal.department) grantees.push(eq(grants.granteeDepartmentCode, principal.department.code));
  if (grantees.length === 0) return [];
  const rows = await db
    .select()
    .from(grants)
    .where(and(isNull(grants.revokedAt), gt(grants.expiresAt, now), or(...grantees)));
  return rows.map(toAccessGrant);
}

function withinPathSql(path: string): SQL {
  return withinPath(grants.withinPath, path);
}

const grantFields: FieldMap = {
  withinPath: { within: withinPathSql },
  granteeUnitCode: { column: grants.granteeUnitCode },
  granteeDepartmentCode: { column: grants.granteeDepartmentCode },
};

const MAX_REASON = 500;

function distinct(values: readonly string[] | null | undefined): string[] | null {
  return values ? [...new Set(values)] : null;
}

/**
 * Shares records of a kind within a unit with a unit or a department. Only an admin at or above
 * that unit; the grant takes effect at once on every hub process (open connections of the
 * grantee rebuild their ability on the `accessChanged` event).
 */
export async function grantAccess(ctx: RequestContext, input: GrantAccessInput): Promise<Grant> {
  requirePrincipal(ctx);
  requireCan(ctx, 'grant', 'Grant');
  const kind: GrantableKind | undefined = GRANTABLE_KINDS[input.kind];
  if (!kind) throw new BadUserInputError(`kind must be one of ${Object.keys(GRANTABLE_KINDS).join(', ')}`, 'kind');
  if (!input.granteeUnitCode === !input.granteeDepartmentCode) {
    throw new BadUserInputError('Name exactly one grantee: granteeUnitCode or granteeDepartmentCode', 'granteeUnitCode');
  }
  const types = distinct(input.types);
  const badType = types?.find((t) => !kind.types.includes(t));
  if (badType !== undefined) throw new BadUserInputError(`${badType} is not a type of ${input.kind}; one of ${kind.types.join(', ')}`, 'types');
  if (types && types.length === 0) throw new BadUserInputError('types, when given, must name at least one type', 'types');
  const fields = distinct(input.fields) ?? [];
  const badField = fields.find((f) => !kind.personalFields.includes(f));
  if (badField !== undefined) {
    throw new BadUserInputError(
      `${badField} is not a personal field of ${input.kind}${kind.personalFields.length ? `; one of ${kind.personalFields.join(', ')}` : ' (it has none)'}`,
      'fields',
    );
  }
  const now = ctx.hub.clock.now();
  if (Number.isNaN(input.expiresAt.getTime()) || input.expiresAt <= now) throw new BadUserInputError('expiresAt must be in the future', 'expiresAt');
  const reason = input.reason.trim();
  if (reason === '' || reason.length > MAX_REASON) throw new BadUserInputError(`reason must be 1 to ${MAX_REASON} characters`, 'reason');

  const within = await requireUnit(ctx.db, input.withinUnitCode);
  if (!ctx.ability.can('grant', subject('Grant', { withinPath: within.path }))) {
    throw new ForbiddenError('grant', 'Grant', `Only an admin at or above ${within.name} (${within.code}) may share its records`);
  }
  refuseSelfGrant(ctx.principal, input);
  if (input.granteeUnitCode) await requireUnit(ctx.db, input.granteeUnitCode);
  if (input.granteeDepartmentCode) {
    const [department] = await ctx.db.select({ code: departments.code }).from(departments).where(eq(departments.code, input.granteeDepartmentCode));
    if (!department) throw new NotFoundError('Department', input.granteeDepartmentCode);
  }

  let receipt: Receipt | undefined;
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(grants)
      .values({
        granteeUnitCode: input.granteeUnitCode ?? null,
        granteeDepartmentCode: input.granteeDepartmentCode ?? null,
        kind: kind.subject,
        types,
        fields,
        withinUnitCode: within.code,
        withinPath: within.path,
        expiresAt: input.expiresAt,
        reason,
        createdBy: ctx.principal.name,
        createdAt: now,
      })
      .returning();
    const grant = inserted!;
    receipt = await ctx.hub.bus.publish(tx, 'accessChanged', granteeOf(grant));
    await audit(ctx, tx, {
      operation: 'grantAccess',
      kind: 'Grant',
      recordIds: [grant.id],
      fields,
      details: { ...granteeOf(grant), sharedKind: kind.subject, types, withinUnitCode: within.code, expiresAt: grant.expiresAt.toISOString(), reason },
    });
    return grant;
  });
  // This process's cached access has been cleared before the caller hears of the grant.
  if (receipt) await ctx.hub.bus.delivered(receipt);
  return toGrant(row, now);
}

/**
 * A grant is made by someone else: a principal may not name its own unit or department as the
 * grantee (it would widen what it sees itself, unmasked personal data included). Sharing with
 * one's own unit is asked of an admin above it.
 */
function refuseSelfGrant(principal: Principal, input: GrantAccessInput): void {
  const ownUnit = input.granteeUnitCode && input.granteeUnitCode === principal.unit?.code;
  const ownDepartment = input.granteeDepartmentCode && input.granteeDepartmentCode === principal.department?.code;
  if (ownUnit || ownDepartment) {
    throw new ForbiddenError('grant', 'Grant', 'A grant is made by someone else: you may not grant to your own unit or department');
  }
}

function granteeOf(row: GrantRow): { granteeUnitCode?: string; granteeDepartmentCode?: string } {
  return row.granteeUnitCode ? { granteeUnitCode: row.granteeUnitCode } : { granteeDepartmentCode: row.granteeDepartmentCode ?? '' };
}

/** One grant the caller may see, as `grants` lists it; NOT_FOUND otherwise. */
export async function getGrant(ctx: RequestContext, id: string): Promise<Grant> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await ctx.db.select().from(grants).where(eq(grants.id, id)) : [];
  if (!row || !ctx.ability.can('read', subject('Grant', { ...row }))) throw new NotFoundError('Grant', id);
  return toGrant(row, ctx.hub.clock.now());
}

/** Ends a grant at once. NOT_FOUND for grants the caller cannot see; FORBIDDEN when it sees but may not manage it. */
export async function revokeAccess(ctx: RequestContext, id: string): Promise<Grant> {
  requirePrincipal(ctx);
  const [existing] = isUuid(id) ? await ctx.db.select().from(grants).where(eq(grants.id, id)) : [];
  if (!existing || !ctx.ability.can('read', subject('Grant', { ...existing }))) throw new NotFoundError('Grant', id);
  if (!ctx.ability.can('grant', subject('Grant', { ...existing }))) throw new ForbiddenError('revoke', 'Grant');
  const now = ctx.hub.clock.now();
  let receipt: Receipt | undefined;
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(grants)
      .set({ revokedAt: now, revokedBy: ctx.principal.name })
      .where(and(eq(grants.id, id), isNull(grants.revokedAt)))
      .returning();
    if (!updated) return undefined;
    receipt = await ctx.hub.bus.publish(tx, 'accessChanged', granteeOf(updated));
    await audit(ctx, tx, { operation: 'revokeAccess', kind: 'Grant', recordIds: [id], details: { ...granteeOf(updated) } });
    return updated;
  });
  if (receipt) await ctx.hub.bus.delivered(receipt);
  if (!row) throw new ConflictError(`Grant ${id} is already revoked`, { revokedAt: existing.revokedAt?.toISOString() ?? null });
  return toGrant(row, now);
}

async function filterSql(ctx: RequestContext, filter: GrantFilter | null | undefined, now: Date): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.kind) where.push(eq(grants.kind, GRANTABLE_KINDS[filter.kind]?.subject ?? filter.kind));
  if (filter.withinUnitCode) where.push(withinPathSql((await requireUnit(ctx.db, filter.withinUnitCode)).path));
  if (filter.granteeUnitCode) where.push(eq(grants.granteeUnitCode, filter.granteeUnitCode));
  if (filter.granteeDepartmentCode) where.push(eq(grants.granteeDepartmentCode, filter.granteeDepartmentCode));
  if (filter.active === true) where.push(and(isNull(grants.revokedAt), gt(grants.expiresAt, now)) as SQL);
  if (filter.active === false) where.push(or(isNotNull(grants.revokedAt), lte(grants.expiresAt, now)) as SQL);
  return where;
}

/** Grants the caller may see (admins and auditors within their unit, grantees their own), newest first. */
export async function listGrants(
  ctx: RequestContext,
  filter: GrantFilter | null | undefined,
  args: PageArgs,
): Promise<Page<Grant>> {
  requireCan(ctx, 'read', 'Grant');
  const now = ctx.hub.clock.now();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Grant', grantFields), ...(await filterSql(ctx, filter, now))) as SQL;
  const keyset = keysetCondition(grants.createdAt, grants.id, page);
  const rows = await ctx.db
    .select()
    .from(grants)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(grants.createdAt, grants.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, (row) => toGrant(row, now), async () => {
    const [row] = await ctx.db.select({ n: count() }).from(grants).where(scope);
    return Number(row?.n ?? 0);
  });
}

export function toGrantKey(grant: Grant): TimeKey {
  return { at: grant.createdAt, id: grant.id };
}
