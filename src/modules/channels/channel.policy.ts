import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';

/**
 * An admin manages (creates, lists, rotates, revokes) the channels of the communities within
 * its unit. A `Channel` subject carries `unitPath`: its community's path.
 */
export function defineChannelRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  if (principal.kind === 'PERSON' && principal.unit && principal.roles.includes('ADMIN')) {
    can('manage', 'Channel', { unitPath: { $within: principal.unit.path } });
  }
}
