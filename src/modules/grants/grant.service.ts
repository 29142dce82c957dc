import { and, eq, gt, isNull, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/principal.js';
import { receivesDepartmentGrants, receivesUnitGrants, type AccessGrant } from '../../platform/auth/grant.js';
import { grants, type GrantRow } from './grant.table.js';

export function toAccessGrant(row: GrantRow): AccessGrant {
  return { id: row.id, kind: row.kind, types: row.types, fields: row.fields, withinPath: row.withinPath, expiresAt: row.expiresAt };
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
