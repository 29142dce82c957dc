import type { Principal } from './platform/auth/principal.js';
import { buildAbility, createAbilityBuilder, type AppAbility } from './platform/auth/ability.js';
import { defineUnitRules } from './modules/units/index.js';
import { defineDeviceRules } from './modules/devices/index.js';
import { defineAlertRules } from './modules/alerts/index.js';

/**
 * One ability per request (and per WebSocket subscription): deny by default, then the union
 * of what each module's policy gives this principal's roles. The same ability filters lists
 * in SQL, checks single records, guards mutations and filters live deliveries.
 */
export function abilityFor(principal: Principal): AppAbility {
  const builder = createAbilityBuilder();
  defineUnitRules(principal, builder);
  defineDeviceRules(principal, builder);
  defineAlertRules(principal, builder);
  return buildAbility(builder);
}
