import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * - an admin grants and revokes sharing of records within its unit, and reads those grants;
 * - an auditor reads the grants within its unit;
 * - a grantee reads the grants made to it (its unit's people, its department's data officers).
 */
export function defineGrantAdminRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  const unit = principal.unit;
  if (principal.kind !== 'PERSON' || !unit) return;
  if (principal.roles.includes('ADMIN')) {
    can('grant', 'Grant', { withinPath: { $within: unit.path } });
    can('read', 'Grant', { withinPath: { $within: unit.path } });
  }
  if (principal.roles.includes('AUDITOR')) can('read', 'Grant', { withinPath: { $within: unit.path } });
  if (principal.roles.some((r) => r === 'OFFICER' || r === 'ADMIN' || r === 'GRID_WORKER' || r === 'DATA_OFFICER')) {
    can('read', 'Grant', { granteeUnitCode: unit.code });
  }
  if (principal.department && principal.roles.includes('DATA_OFFICER')) can('read', 'Grant', { granteeDepartmentCode: principal.department.code });
}
