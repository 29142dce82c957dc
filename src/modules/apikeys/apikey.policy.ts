import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * An admin at unit U manages (creates, lists, revokes) the API keys of adapters whose
 * department's jurisdiction lies within U. Subjects are `subject('ApiKey', { adapter,
 * jurisdictionPath })`; no one else manages keys, and adapters never manage their own.
 */
export function defineApiKeyRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind === 'PERSON' && principal.unit && principal.roles.includes('ADMIN')) {
    can('manage', 'ApiKey', { jurisdictionPath: { $within: principal.unit.path } });
  }
}
