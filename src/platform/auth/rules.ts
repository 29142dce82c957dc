import type { DataDomain, Principal } from './principal.js';

/**
 * The shapes every record kind's policy shares (docs/design.md, "Who sees what"):
 * - officers, admins and grid workers read every record within their unit;
 * - a department's data officer reads the records of its domains within its jurisdiction;
 * - an adapter ingests the records of its department's domains within the jurisdiction.
 */
export function unitReadRoots(principal: Principal): string[] {
  const reads = principal.roles.some((role) => role === 'OFFICER' || role === 'ADMIN' || role === 'GRID_WORKER');
  return reads && principal.unit ? [principal.unit.path] : [];
}

/**
 * Personal data in full is for the people who serve the resident: principals at the community
 * or grid that owns the record (docs/permissions.md, "Personal data"). Higher tiers see it
 * masked unless a grant, made by someone else, names the field. Nothing a principal does
 * itself — dispatching a case to its own unit, an escalation moving it up — widens this: where
 * a record is handled moves work, never personal data.
 */
export function unmaskRoots(principal: Principal): string[] {
  const tier = principal.unit?.tier;
  if (tier !== 'COMMUNITY' && tier !== 'GRID') return [];
  return unitReadRoots(principal);
}

function domainOf(principal: Principal, kind: string): DataDomain | undefined {
  return principal.department?.domains.find((domain) => domain.kind === kind);
}

/** CASL conditions for "records of `kind` in the department's domain, within its jurisdiction". */
export function departmentConditions(principal: Principal, kind: string): Record<string, unknown> | undefined {
  const domain = domainOf(principal, kind);
  if (!domain || !principal.department) return undefined;
  return {
    unitPath: { $within: principal.department.jurisdiction.path },
    ...(domain.types ? { type: { $in: domain.types } } : {}),
  };
}
