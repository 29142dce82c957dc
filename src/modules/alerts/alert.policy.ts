import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots } from '../../platform/auth/rules.js';

/**
 * - officers, admins, grid workers: read alerts within their unit; officers and admins
 *   acknowledge them;
 * - data officers: read alerts of their department's types within its jurisdiction;
 * - adapters: ingest alerts of their department's types within its jurisdiction.
 */
export function defineAlertRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) can('read', 'Alert', { unitPath: { $within: root } });
  if (principal.unit && principal.roles.some((role) => role === 'OFFICER' || role === 'ADMIN')) {
    can('acknowledge', 'Alert', { unitPath: { $within: principal.unit.path } });
  }
  const department = departmentConditions(principal, 'Alert');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'Alert', department);
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'Alert', department);
}
