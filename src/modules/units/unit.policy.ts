import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/** The hierarchy itself (codes, names, tiers) is public administrative data: every signed-in caller reads it. */
export function defineUnitRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind !== 'ANONYMOUS') can('read', 'Unit');
}
