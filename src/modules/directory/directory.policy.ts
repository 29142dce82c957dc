import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * An admin manages the directory within its own unit: the units below it (and its own unit's
 * name) and the principals working there. Subjects are `subject('Directory', { unitPath })`
 * for a unit, and `subject('Principal', { unitPath })` for a principal's unit (or its
 * department's jurisdiction).
 */
export function defineDirectoryRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind === 'PERSON' && principal.unit && principal.roles.includes('ADMIN')) {
    can('manage', 'Directory', { unitPath: { $within: principal.unit.path } });
    can('manage', 'Principal', { unitPath: { $within: principal.unit.path } });
  }
}
