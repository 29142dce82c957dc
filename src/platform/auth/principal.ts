import type { Tier } from './scope.js';

/**
 * Terminology
 * - principal: who is calling. A PERSON (officer, admin, grid worker, auditor, a
 *   department's data officer) is attached to one unit; an ADAPTER is a department's system;
 *   a RESIDENT holds a community channel's token (the QR code); ANONYMOUS sent no credentials.
 * - credential: what proved it — a JWT (people, and adapters before they have keys), an API
 *   key (adapters), a channel token (residents). Revoking an API key ends every connection
 *   that presented it.
 * - role: what the principal does there; a principal may hold several and gets their union.
 * - department: owns data domains (record kinds, optionally only some types) within its
 *   jurisdiction unit.
 */
export const ROLES = ['OFFICER', 'ADMIN', 'GRID_WORKER', 'DATA_OFFICER', 'AUDITOR', 'ADAPTER'] as const;
export type Role = (typeof ROLES)[number];

export const PRINCIPAL_KINDS = ['PERSON', 'ADAPTER', 'RESIDENT', 'ANONYMOUS'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface UnitScope {
  code: string;
  name: string;
  tier: Tier;
  path: string;
}

/** A record kind a department owns; `types: null` means every type of that kind. */
export interface DataDomain {
  kind: string;
  types: string[] | null;
}

export interface DepartmentScope {
  code: string;
  name: string;
  jurisdiction: UnitScope;
  domains: DataDomain[];
}

export const CREDENTIAL_KINDS = ['JWT', 'API_KEY', 'CHANNEL', 'NONE'] as const;
type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export interface Credential {
  kind: CredentialKind;
  /** The API key's or channel's id; null for a JWT or none. */
  id: string | null;
}

export interface Principal {
  name: string;
  displayName: string;
  kind: PrincipalKind;
  roles: Role[];
  unit: UnitScope | null;
  department: DepartmentScope | null;
  /** Seconds since the epoch when the credential stops working; null for none. */
  expiresAt: number | null;
  credential: Credential;
}

export const ANONYMOUS: Principal = Object.freeze({
  name: 'anonymous',
  displayName: 'anonymous',
  kind: 'ANONYMOUS',
  roles: [],
  unit: null,
  department: null,
  expiresAt: null,
  credential: Object.freeze({ kind: 'NONE', id: null }),
}) as Principal;

/** Where the principal acts from: its unit, or its department's jurisdiction. */
export function homeOf(principal: Principal): UnitScope | null {
  return principal.unit ?? principal.department?.jurisdiction ?? null;
}
