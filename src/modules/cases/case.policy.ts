import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots, unmaskRoots } from '../../platform/auth/rules.js';
import { maskName, maskPhone, type PersonalFields } from '../../platform/privacy/mask.js';

/** The personal fields of a case (its reporter's contact) and how each is masked; a grant's `fields` may name them. */
export const CASE_MASKS = {
  reporterName: maskName,
  reporterPhone: maskPhone,
} as const satisfies PersonalFields;
export type CasePersonalField = keyof typeof CASE_MASKS;
export const CASE_PERSONAL_FIELDS = Object.keys(CASE_MASKS) as readonly CasePersonalField[];

/**
 * A `Case` subject carries `unitPath` (where it happened), `assigneePath` and `assigneeCode`
 * (who handles it), `type` (its category: a department's domain or a grant names categories
 * as types) and `state`.
 *
 * - officers, admins, grid workers: read cases within their unit, and cases assigned to a
 *   unit within it (even when they happened elsewhere);
 * - officers and admins: `handle` those cases (the OFFICER actions of the workflow) and `open`
 *   cases within their unit;
 * - grid workers: `fieldwork` on those cases (the GRID_WORKER actions) and `open` cases in
 *   their grid;
 * - data officers: read cases of their department's domain within its jurisdiction;
 * - adapters: ingest cases (EXTERNAL work orders) of their department's domain;
 * - personal data in full: only at the community or grid where the case happened (or through a
 *   grant). The unit it is assigned to handles it with the reporter masked: DISPATCH and SLA
 *   escalation move work, never personal data, so no one unmasks a reporter by assigning the
 *   case to its own unit.
 */
export function defineCaseRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) {
    can('read', 'Case', { unitPath: { $within: root } });
    can('read', 'Case', { assigneePath: { $within: root } });
  }
  const unit = principal.unit;
  if (unit && principal.roles.some((role) => role === 'OFFICER' || role === 'ADMIN')) {
    can('handle', 'Case', { unitPath: { $within: unit.path } });
    can('handle', 'Case', { assigneePath: { $within: unit.path } });
    can('open', 'Case', { unitPath: { $within: unit.path } });
  }
  if (unit && principal.roles.includes('GRID_WORKER') && unit.tier === 'GRID') {
    can('fieldwork', 'Case', { unitPath: { $within: unit.path } });
    can('fieldwork', 'Case', { assigneePath: { $within: unit.path } });
    can('open', 'Case', { unitPath: { $within: unit.path } });
  }
  const department = departmentConditions(principal, 'Case');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'Case', department);
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'Case', department);
  for (const root of unmaskRoots(principal)) can('unmask', 'Case', [...CASE_PERSONAL_FIELDS], { unitPath: { $within: root } });
}
