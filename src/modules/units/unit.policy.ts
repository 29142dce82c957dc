import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * The hierarchy itself (codes, names, tiers) is public administrative data: every signed-in
 * person and adapter reads it. A resident's channel token proves only the right to submit.
 */
export function defineUnitRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind === 'PERSON' || principal.kind === 'ADAPTER') can('read', 'Unit');
}
