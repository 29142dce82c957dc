import type { Principal } from './platform/auth/principal.js';
import { buildAbility, createAbilityBuilder, type AppAbility } from './platform/auth/ability.js';
import { defineGrantRules, type AccessGrant } from './platform/auth/grant.js';
import type { HubModule } from './platform/module.js';
import { MODULES } from './modules/index.js';

/**
 * One ability per request (and per WebSocket connection, rebuilt when its grants change):
 * deny by default, then the union of what each module's policy gives this principal's roles
 * and what its active grants add. The same ability filters lists in SQL, checks single records
 * and fields, guards mutations and filters live deliveries.
 */
export function abilityFor(principal: Principal, grants: readonly AccessGrant[] = [], now: Date = new Date()): AppAbility {
  const builder = createAbilityBuilder();
  for (const module of MODULES as readonly HubModule[]) module.rules?.(principal, builder);
  defineGrantRules(grants, now, builder);
  return buildAbility(builder);
}
