import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots } from '../../platform/auth/rules.js';

/**
 * A `PatrolReport` subject carries `unitPath` (its grid).
 *
 * - officers, admins, grid workers: read reports within their unit;
 * - grid workers: file reports for their own grid; officers: for any grid within their unit;
 * - data officers: read reports of their department's domain within its jurisdiction;
 * - adapters: ingest reports within their department's jurisdiction (domain `PatrolReport`).
 */
export function definePatrolRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) can('read', 'PatrolReport', { unitPath: { $within: root } });
  if (principal.unit && principal.roles.some((role) => role === 'OFFICER' || role === 'GRID_WORKER')) {
    can('file', 'PatrolReport', { unitPath: { $within: principal.unit.path } });
  }
  const department = departmentConditions(principal, 'PatrolReport');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'PatrolReport', department);
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'PatrolReport', department);
}
