import { ALERT_TYPES } from '../alerts/index.js';
import { DEVICE_PERSONAL_FIELDS, DEVICE_TYPES } from '../devices/index.js';
import { REQUEST_CATEGORIES, RESIDENT_REQUEST_PERSONAL_FIELDS } from '../requests/index.js';
import { REPORT_PERIODS } from '../reports/index.js';
import { CASE_PERSONAL_FIELDS } from '../cases/index.js';
import { EVENT_CATEGORY_CODES } from '../categories/index.js';

/**
 * What can be shared by a grant, per record kind: its CASL subject name, the values its
 * `types` may name (they restrict its `type`), and its personal fields (which `fields` may
 * name to see them unmasked).
 */
export interface GrantableKind {
  subject: string;
  types: readonly string[];
  personalFields: readonly string[];
}

export const GRANTABLE_KINDS = {
  ALERT: { subject: 'Alert', types: ALERT_TYPES, personalFields: [] },
  DEVICE: { subject: 'Device', types: DEVICE_TYPES, personalFields: Object.keys(DEVICE_PERSONAL_FIELDS) },
  // A request's category is its `type` in the ability.
  RESIDENT_REQUEST: { subject: 'ResidentRequest', types: REQUEST_CATEGORIES, personalFields: RESIDENT_REQUEST_PERSONAL_FIELDS },
  // Analysis reports: a report's period kind (WEEK, MONTH, CUSTOM) is its `type`; no personal fields.
  REPORT: { subject: 'Report', types: REPORT_PERIODS, personalFields: [] },
  // A case's category is its `type` in the ability.
  CASE: { subject: 'Case', types: EVENT_CATEGORY_CODES, personalFields: CASE_PERSONAL_FIELDS },
} as const satisfies Record<string, GrantableKind>;

export type GrantKindName = keyof typeof GRANTABLE_KINDS;
export const GRANT_KINDS = Object.keys(GRANTABLE_KINDS) as GrantKindName[];

export function kindOfSubject(subjectName: string): GrantKindName | undefined {
  return GRANT_KINDS.find((kind) => GRANTABLE_KINDS[kind].subject === subjectName);
}

