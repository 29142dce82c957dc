import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { departmentConditions, unitReadRoots, unmaskRoots } from '../../platform/auth/rules.js';
import type { AlertTypeName } from './alert.table.js';

/**
 * The personal keys of alert payloads, as the adapters that send them declare them: every
 * type's (the keys any adapter may use for a person) and a type's own. Their values are masked
 * like any personal field (`holderPhone: "138****1234"`) unless the caller sees the alert's
 * personal data in full; phone and ID numbers anywhere else in a payload are masked as well.
 */
export const ALERT_PAYLOAD_PERSONAL_KEYS: { all: readonly string[] } & Partial<Record<AlertTypeName, readonly string[]>> = {
  all: ['name', 'phone', 'mobile', 'tel', 'idNumber', 'idCard', 'address', 'contactName', 'contactPhone', 'ownerName', 'ownerPhone', 'holderName', 'holderPhone', 'holderIdNumber', 'reporterName', 'reporterPhone'],
  ELDERLY_ALARM: ['elderName', 'elderPhone', 'guardianName', 'guardianPhone', 'emergencyContact', 'room'],
  PARKING_VIOLATION: ['plate', 'plateNumber', 'licensePlate'],
  EBIKE_IN_ELEVATOR: ['plate', 'plateNumber', 'faceId'],
  STREET_VENDOR: ['faceId'],
};

/** Alert types about a person (an elderly resident's alarm): their position is personal data too. */
export const PERSONAL_ALERT_TYPES: readonly AlertTypeName[] = ['ELDERLY_ALARM'];

/**
 * - officers, admins, grid workers: read alerts within their unit; officers and admins
 *   acknowledge them;
 * - data officers: read alerts of their department's types within its jurisdiction;
 * - adapters: ingest alerts of their department's types within its jurisdiction;
 * - the personal data in a payload (and an elderly alarm's exact position) in full: at the
 *   community or grid where the alert is, or through a grant naming `payload`.
 */
export function defineAlertRules(principal: Principal, { can }: AbilityBuilder<AppAbility>): void {
  for (const root of unitReadRoots(principal)) can('read', 'Alert', { unitPath: { $within: root } });
  if (principal.unit && principal.roles.some((role) => role === 'OFFICER' || role === 'ADMIN')) {
    can('acknowledge', 'Alert', { unitPath: { $within: principal.unit.path } });
  }
  const department = departmentConditions(principal, 'Alert');
  if (department && principal.roles.includes('DATA_OFFICER')) can('read', 'Alert', department);
  if (department && principal.roles.includes('ADAPTER')) can('ingest', 'Alert', department);
  for (const root of unmaskRoots(principal)) can('unmask', 'Alert', ['payload'], { unitPath: { $within: root } });
}
