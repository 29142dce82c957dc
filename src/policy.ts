import type { Principal } from './platform/auth/principal.js';
import { buildAbility, createAbilityBuilder, type AppAbility } from './platform/auth/ability.js';
import { defineUnitRules } from './modules/units/index.js';
import { defineDeviceRules } from './modules/devices/index.js';
import { defineAlertRules } from './modules/alerts/index.js';
import { defineApiKeyRules } from './modules/apikeys/index.js';
import { defineAuditRules } from './modules/audit/index.js';
import { defineChannelRules } from './modules/channels/index.js';
import { defineRequestRules } from './modules/requests/index.js';
import { defineReportRules } from './modules/reports/index.js';
import { defineCaseRules } from './modules/cases/index.js';
import { definePatrolRules } from './modules/patrols/index.js';
import { defineGrantRules, type AccessGrant } from './platform/auth/grant.js';
import { defineGrantAdminRules } from './modules/grants/index.js';

/**
 * One ability per request (and per WebSocket connection, rebuilt when its grants change):
 * deny by default, then the union of what each module's policy gives this principal's roles
 * and what its active grants add. The same ability filters lists in SQL, checks single records
 * and fields, guards mutations and filters live deliveries.
 */
export function abilityFor(principal: Principal, grants: readonly AccessGrant[] = [], now: Date = new Date()): AppAbility {
  const builder = createAbilityBuilder();
  defineUnitRules(principal, builder);
  defineDeviceRules(principal, builder);
  defineAlertRules(principal, builder);
  defineApiKeyRules(principal, builder);
  defineAuditRules(principal, builder);
  defineChannelRules(principal, builder);
  defineRequestRules(principal, builder);
  defineReportRules(principal, builder);
  defineCaseRules(principal, builder);
  definePatrolRules(principal, builder);
  defineGrantAdminRules(principal, builder);
  defineGrantRules(grants, now, builder);
  return buildAbility(builder);
}
