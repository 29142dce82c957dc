import type { AccessGrant } from '../../src/platform/auth/grant.js';
import type { Principal, Role } from '../../src/platform/auth/principal.js';
import type { CaseRow } from '../../src/modules/cases/index.js';

/**
 * The oracle of the leak searches: "Who sees what" (docs/design.md, docs/permissions.md)
 * written out from the documents' words, not from the policies. The no-leak property tests
 * and the schema fuzzer (test/security/fuzz.property.test.ts) both judge the hub's answers by it.
 */
const READ_ROLES: readonly Role[] = ['OFFICER', 'ADMIN', 'GRID_WORKER'];

export function within(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}.`);
}

/** A caller: a principal and the grants in force for it. */
export interface Case {
  principal: Principal;
  grants: readonly AccessGrant[];
}

export function mayRead(c: Case, kind: 'Alert' | 'Device' | 'Case', record: { unitPath: string; type: string }, now: Date): boolean {
  const p = c.principal;
  if (p.unit && p.roles.some((r) => READ_ROLES.includes(r)) && within(record.unitPath, p.unit.path)) return true;
  if (p.department && p.roles.includes('DATA_OFFICER')) {
    const domain = p.department.domains.find((d) => d.kind === kind);
    if (domain && within(record.unitPath, p.department.jurisdiction.path) && (!domain.types || domain.types.includes(record.type))) return true;
  }
  return c.grants.some((g) => g.kind === kind && g.expiresAt > now && within(record.unitPath, g.withinPath) && (!g.types || g.types.includes(record.type)));
}

export function mayUnmask(c: Case, kind: 'Device' | 'Case', record: { unitPath: string; type: string }, field: string, now: Date): boolean {
  const p = c.principal;
  const tier = p.unit?.tier;
  if (p.unit && (tier === 'COMMUNITY' || tier === 'GRID') && p.roles.some((r) => READ_ROLES.includes(r)) && within(record.unitPath, p.unit.path)) return true;
  return c.grants.some(
    (g) => g.kind === kind && g.expiresAt > now && g.fields.includes(field) && within(record.unitPath, g.withinPath) && (!g.types || g.types.includes(record.type)),
  );
}

/**
 * Cases (the Case policy's words): also read by the people of a unit a case is assigned to, or
 * a unit within theirs, wherever it happened; its reporter in full only where it happened (or
 * through a grant): assignment moves work, never personal data. A case's `type` is its category.
 */
export function mayReadCase(c: Case, row: CaseRow, now: Date): boolean {
  const p = c.principal;
  if (p.unit && p.roles.some((r) => READ_ROLES.includes(r)) && within(row.assigneePath, p.unit.path)) return true;
  return mayRead(c, 'Case', { unitPath: row.unitPath, type: row.category }, now);
}

export function mayUnmaskCase(c: Case, row: CaseRow, field: string, now: Date): boolean {
  return mayUnmask(c, 'Case', { unitPath: row.unitPath, type: row.category }, field, now);
}
