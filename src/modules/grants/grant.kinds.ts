import { ALERT_TYPES } from '../alerts/index.js';
import { DEVICE_PERSONAL_FIELDS, DEVICE_TYPES } from '../devices/index.js';
import { REQUEST_CATEGORIES, RESIDENT_REQUEST_PERSONAL_FIELDS } from '../requests/index.js';

/**
 * What can be shared by a grant, per record kind: its CASL subject name, the values its
 * `types` may name (and the field they restrict), and its personal fields (which `fields` may
 * name to see them unmasked).
 */
export interface GrantableKind {
  subject: string;
  typeField: string;
  types: readonly string[];
  personalFields: readonly string[];
}

export const GRANTABLE_KINDS = {
  ALERT: { subject: 'Alert', typeField: 'type', types: ALERT_TYPES, personalFields: [] },
  DEVICE: { subject: 'Device', typeField: 'type', types: DEVICE_TYPES, personalFields: Object.keys(DEVICE_PERSONAL_FIELDS) },
  // A request's `type` in the ability is its category.
  RESIDENT_REQUEST: { subject: 'ResidentRequest', typeField: 'type', types: REQUEST_CATEGORIES, personalFields: RESIDENT_REQUEST_PERSONAL_FIELDS },
} as const satisfies Record<string, GrantableKind>;

export type GrantKindName = keyof typeof GRANTABLE_KINDS;
export const GRANT_KINDS = Object.keys(GRANTABLE_KINDS) as GrantKindName[];

export function grantableBySubject(subjectName: string): GrantableKind | undefined {
  return Object.values(GRANTABLE_KINDS).find((kind) => kind.subject === subjectName);
}

export function kindOfSubject(subjectName: string): GrantKindName | undefined {
  return GRANT_KINDS.find((kind) => GRANTABLE_KINDS[kind].subject === subjectName);
}

/** The field a kind's grant `types` restrict, for the ability. */
export function grantTypeField(subjectName: string): string {
  return grantableBySubject(subjectName)?.typeField ?? 'type';
}
