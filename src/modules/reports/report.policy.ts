import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { codesOfPath } from '../../platform/auth/scope.js';
import { departmentConditions, unitReadRoots } from '../../platform/auth/rules.js';

/** `a.b.c` → `['a', 'a.b']`: the paths of the units above. */
function ancestorPaths(path: string): string[] {
  const codes = codesOfPath(path);
  return codes.slice(0, -1).map((_c, i) => codes.slice(0, i + 1).join('.'));
}

/**
 * A `Report` subject carries `unitPath` (the unit it is about) and `type` (its period kind:
 * WEEK, MONTH, CUSTOM — what a grant's `types` name).
 *
 * Reports are shared down the unit's tree: officers, admins and grid workers read the reports
 * of every unit within theirs (as for any record) and of every unit above theirs (a street's
 * report reaches each of its communities and grids). Departments read them through grants
 * (kind REPORT) or a `Report` domain. Officers and admins generate reports of units within theirs.
 */
export function defineReportRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) {
    can('read', 'Report', { unitPath: { $within: root } });
    const above = ancestorPaths(root);
    if (above.length > 0) can('read', 'Report', { unitPath: { $in: above } });
  }
  if (principal.unit && principal.roles.some((role) => role === 'OFFICER' || role === 'ADMIN')) {
    can('generate', 'Report', { unitPath: { $within: principal.unit.path } });
  }
  const department = departmentConditions(principal, 'Report');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'Report', department);
}
