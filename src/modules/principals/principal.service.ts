import { eq } from 'drizzle-orm';
import type { Db, Executor } from '../../platform/db/database.js';
import type { EventBus, Topics } from '../../platform/pubsub/bus.js';
import type { Principal, UnitScope } from '../../platform/auth/principal.js';
import { AuthRefusal, UnauthenticatedError } from '../../platform/errors.js';
import { unitsByCodes, toUnit, type UnitRow } from '../units/index.js';
import { departments, principals } from './principal.table.js';
import { Department, Me } from './principal.type.js';

function scopeOf(row: UnitRow): UnitScope {
  return { code: row.code, name: row.name, tier: row.tier, path: row.path };
}

/** The principal behind a verified token; UNAUTHENTICATED when it is unknown or disabled. */
export async function loadPrincipal(db: Executor, name: string, expiresAt: number | null): Promise<Principal> {
  const [row] = await db
    .select({ principal: principals, department: departments })
    .from(principals)
    .leftJoin(departments, eq(departments.code, principals.departmentCode))
    .where(eq(principals.name, name));
  if (!row) throw new UnauthenticatedError(`Unknown principal "${name}": no principal of this hub has that name`, 401, AuthRefusal.UNKNOWN_PRINCIPAL);
  if (row.principal.disabledAt) throw new UnauthenticatedError(`Principal "${name}" is disabled`, 401, AuthRefusal.DISABLED_PRINCIPAL);
  const { principal, department } = row;
  const codes = [principal.unitCode, department?.jurisdictionCode].filter((c): c is string => !!c);
  const found = await unitsByCodes(db, codes);
  const unit = principal.unitCode ? found.get(principal.unitCode) : undefined;
  const jurisdiction = department ? found.get(department.jurisdictionCode) : undefined;
  return {
    name: principal.name,
    displayName: principal.displayName,
    kind: principal.kind,
    roles: principal.roles,
    unit: unit ? scopeOf(unit) : null,
    department:
      department && jurisdiction
        ? { code: department.code, name: department.name, jurisdiction: scopeOf(jurisdiction), domains: department.domains }
        : null,
    expiresAt,
    credential: { kind: 'JWT', id: null },
  };
}

export async function describePrincipal(db: Executor, principal: Principal): Promise<Me> {
  const codes = [principal.unit?.code, principal.department?.jurisdiction.code].filter((c): c is string => !!c);
  const found = await unitsByCodes(db, codes);
  const unitRow = principal.unit ? found.get(principal.unit.code) : undefined;
  const jurisdictionRow = principal.department ? found.get(principal.department.jurisdiction.code) : undefined;
  return Object.assign(new Me(), {
    name: principal.name,
    displayName: principal.displayName,
    kind: principal.kind,
    roles: principal.roles,
    unit: unitRow ? toUnit(unitRow) : null,
    department:
      principal.department && jurisdictionRow
        ? Object.assign(new Department(), {
            code: principal.department.code,
            name: principal.department.name,
            jurisdiction: toUnit(jurisdictionRow),
            domains: principal.department.domains,
          })
        : null,
    expiresAt: principal.expiresAt,
  });
}

/**
 * Disables a principal (its tokens stop working) or enables it again. The change and its
 * `accessChanged` event commit together: every hub process drops what it cached about the
 * principal, and its open connections end.
 */
export async function setPrincipalDisabled(db: Db, bus: EventBus<Topics>, name: string, disabledAt: Date | null): Promise<boolean> {
  const receipt = await db.transaction(async (tx) => {
    const changed = await tx.update(principals).set({ disabledAt }).where(eq(principals.name, name)).returning({ name: principals.name });
    if (changed.length === 0) return undefined;
    const event: Topics['accessChanged'] = { principal: name };
    return bus.publish(tx, 'accessChanged', event);
  });
  if (receipt) await bus.delivered(receipt);
  return receipt !== undefined;
}
