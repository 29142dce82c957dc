/**
 * Terminology
 * - path: the dot-joined chain of unit codes from the root, e.g.
 *   `320600.320613.320613006.320613006001`.
 * - within U: a path equal to U's path or starting with U's path and a dot.
 * - tier: the level of a unit; a path's depth names it (1 city … 5 grid).
 */
export const TIERS = ['CITY', 'DISTRICT', 'STREET', 'COMMUNITY', 'GRID'] as const;
export type Tier = (typeof TIERS)[number];

export function isWithin(path: string, rootPath: string): boolean {
  return path === rootPath || path.startsWith(`${rootPath}.`);
}

export function codesOfPath(path: string): string[] {
  return path.split('.');
}

/** The tier of the unit a path ends at, or undefined for a malformed path. */
export function tierOfPath(path: string): Tier | undefined {
  return TIERS[codesOfPath(path).length - 1];
}

export function lastCode(path: string): string {
  const codes = codesOfPath(path);
  return codes[codes.length - 1] ?? '';
}
