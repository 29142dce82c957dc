import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots, unmaskRoots } from '../../platform/auth/rules.js';
import { maskAddress, maskName, maskPhone, type PersonalFields } from '../../platform/privacy/mask.js';

/**
 * The personal fields of a resident request and how each is masked. Their names are what a
 * grant's `fields` may list for kind `ResidentRequest`.
 */
export const RESIDENT_REQUEST_MASKS = {
  address: maskAddress,
  contactName: maskName,
  contactPhone: maskPhone,
} as const satisfies PersonalFields;
export type RequestPersonalField = keyof typeof RESIDENT_REQUEST_MASKS;
export const RESIDENT_REQUEST_PERSONAL_FIELDS = Object.keys(RESIDENT_REQUEST_MASKS) as readonly RequestPersonalField[];

/**
 * A `ResidentRequest` subject carries `unitPath` (the community it was sent to), `type` (its
 * category: a department's domain or a grant names categories as its types) and `status`.
 *
 * - officers, admins, grid workers: read requests within their unit, and `handle` them there
 *   (reply, close);
 * - data officers: read requests of their department's domain within its jurisdiction;
 * - at a community or grid: unmask the personal fields of the requests within it;
 * - adapters: ingest requests of their department's domain within its jurisdiction;
 * - a resident (channel token of community C): submit a request to C.
 */
export function defineRequestRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) {
    can('read', 'ResidentRequest', { unitPath: { $within: root } });
    can('handle', 'ResidentRequest', { unitPath: { $within: root } });
  }
  const department = departmentConditions(principal, 'ResidentRequest');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'ResidentRequest', department);
  // An adapter of a department whose domain holds resident requests (the 12345 hotline) pushes them in.
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'ResidentRequest', department);
  for (const root of unmaskRoots(principal)) can('unmask', 'ResidentRequest', [...RESIDENT_REQUEST_PERSONAL_FIELDS], { unitPath: { $within: root } });
  if (principal.kind === 'RESIDENT' && principal.credential.kind === 'CHANNEL' && principal.unit?.tier === 'COMMUNITY') {
    can('submit', 'ResidentRequest', { unitPath: { $within: principal.unit.path } });
  }
}
