import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * An auditor at U reads the audit entries of actors who act within U (an entry's `unitPath` is
 * where its actor works: its unit, or its department's jurisdiction). Nobody else reads the
 * log, and nobody changes it.
 */
export function defineAuditRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind === 'PERSON' && principal.unit && principal.roles.includes('AUDITOR')) {
    can('read', 'AuditEntry', { unitPath: { $within: principal.unit.path } });
  }
}
