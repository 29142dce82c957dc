import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { freshDatabase } from '../helpers/hub.js';
import type { Database } from '../../src/platform/db/database.js';
import type { AppAbility } from '../../src/platform/auth/ability.js';
import { abilityToSql } from '../../src/platform/auth/ability-sql.js';
import { PRINCIPAL_KINDS, ROLES, type Principal } from '../../src/platform/auth/principal.js';
import { tierOfPath } from '../../src/platform/auth/scope.js';
import { cases, type CaseRow } from '../../src/modules/cases/index.js';
import { caseFields, caseSubject, toCase } from '../../src/modules/cases/case.model.js';
import { EVENT_CATEGORY_CODES } from '../../src/modules/categories/index.js';
import { abilityFor } from '../../src/policy.js';
import { demoUnits } from '../../src/seed/demo-units.js';

/**
 * The SQL that filters cases selects exactly the rows the same ability accepts one by one, for
 * `read`, `handle` and `fieldwork`, for random principals and grants through the real
 * policies: the unit where a case happened (`$within` on the tier columns) and its assignee
 * unit (`$within` on assignee_path, a prefix match) both count.
 */
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let rows: CaseRow[];
const units = demoUnits();

beforeAll(async () => {
  fresh = await freshDatabase();
  database = fresh.database;
  // Scatter the demo cases' assignees over the whole tree (the demo keeps them near home).
  const seeded = await database.db.select({ id: cases.id }).from(cases);
  for (const [i, { id }] of seeded.entries()) {
    const unit = units[(i * 7) % units.length]!;
    await database.db.update(cases).set({ assigneeCode: unit.code, assigneePath: unit.path }).where(eq(cases.id, id));
  }
  rows = await database.db.select().from(cases);
});
afterAll(() => fresh?.drop());

async function sqlIds(ability: AppAbility, action: string): Promise<string[]> {
  const found = await database.db.select({ id: cases.id }).from(cases).where(abilityToSql(ability, action, 'Case', caseFields));
  return found.map((r) => r.id).sort();
}
const canIds = (ability: AppAbility, action: string) =>
  rows
    .filter((r) => ability.can(action, caseSubject(toCase(r))))
    .map((r) => r.id)
    .sort();

describe('abilityToSql over cases selects exactly what ability.can accepts', () => {
  it('on random principals and grants through the real policies', async () => {
    expect(rows.length).toBeGreaterThan(100);
    const scope = (u: (typeof units)[number]) => ({ code: u.code, name: u.name, tier: tierOfPath(u.path)!, path: u.path });
    const principal = fc.record({
      kind: fc.constantFrom(...PRINCIPAL_KINDS.filter((k) => k !== 'ANONYMOUS')),
      roles: fc.subarray([...ROLES]),
      unit: fc.option(fc.constantFrom(...units), { nil: null }),
      department: fc.option(fc.record({ jurisdiction: fc.constantFrom(...units), types: fc.option(fc.subarray([...EVENT_CATEGORY_CODES]), { nil: null }) }), { nil: null }),
      grants: fc.array(fc.record({ within: fc.constantFrom(...units), types: fc.option(fc.subarray([...EVENT_CATEGORY_CODES]), { nil: null }) }), { maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(principal, async (p) => {
        const random: Principal = {
          name: 'random',
          displayName: 'random',
          kind: p.kind,
          roles: p.roles,
          unit: p.unit ? scope(p.unit) : null,
          department: p.department ? { code: 'dept', name: 'dept', jurisdiction: scope(p.department.jurisdiction), domains: [{ kind: 'Case', types: p.department.types }] } : null,
          expiresAt: null,
          credential: { kind: 'JWT', id: null },
        };
        const grants = p.grants.map((g, i) => ({ id: `g${i}`, kind: 'Case', types: g.types, fields: [], withinPath: g.within.path, expiresAt: new Date(Date.now() + 86_400_000) }));
        const ability = abilityFor(random, grants);
        for (const action of ['read', 'handle', 'fieldwork']) expect({ action, ids: await sqlIds(ability, action) }).toEqual({ action, ids: canIds(ability, action) });
      }),
      { numRuns: 120 },
    );
  });
});
