import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots, unmaskRoots } from '../../platform/auth/rules.js';

export function defineDeviceRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) can('read', 'Device', { unitPath: { $within: root } });
  // Personal fields in full: only staff of the community or grid the device is in.
  for (const root of unmaskRoots(principal)) can('unmask', 'Device', { unitPath: { $within: root } });
  const department = departmentConditions(principal, 'Device');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'Device', department);
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'Device', department);
}
