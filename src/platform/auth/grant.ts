import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from './ability.js';
import type { Principal } from './principal.js';

/**
 * A sharing grant as the ability sees it: read `kind` records (only `types` when set) within
 * `withinPath`, and unmask the personal `fields` it names, until `expiresAt`.
 */
export interface AccessGrant {
  id: string;
  kind: string;
  types: string[] | null;
  fields: string[];
  withinPath: string;
  expiresAt: Date;
}

/** Grants to a unit reach the people at that unit who read records; grants to a department, its data officers. */
export function receivesUnitGrants(principal: Principal): boolean {
  return principal.kind === 'PERSON' && principal.unit !== null && principal.roles.some((r) => r === 'OFFICER' || r === 'ADMIN' || r === 'GRID_WORKER' || r === 'DATA_OFFICER');
}

export function receivesDepartmentGrants(principal: Principal): boolean {
  return principal.kind === 'PERSON' && principal.department !== null && principal.roles.includes('DATA_OFFICER');
}

/**
 * Every shareable kind's subject carries `type` (a request's category plays that role), so a
 * grant's `types` restrict `type`.
 */
export function defineGrantRules(grants: readonly AccessGrant[], now: Date, { can }: AbilityBuilder<AppAbility>): void {
  for (const grant of grants) {
    if (grant.expiresAt <= now) continue;
    const conditions = { unitPath: { $within: grant.withinPath }, ...(grant.types ? { type: { $in: grant.types } } : {}) };
    can('read', grant.kind, conditions);
    if (grant.fields.length > 0) can('unmask', grant.kind, grant.fields, conditions);
  }
}
