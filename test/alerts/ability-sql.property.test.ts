import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, sql } from 'drizzle-orm';
import { freshDatabase } from '../helpers/hub.js';
import type { Database } from '../../src/platform/db/database.js';
import { buildAbility, createAbilityBuilder, subject, type AppAbility } from '../../src/platform/auth/ability.js';
import { abilityToSql } from '../../src/platform/auth/ability-sql.js';
import { ROLES, type Principal } from '../../src/platform/auth/principal.js';
import { tierOfPath } from '../../src/platform/auth/scope.js';
import { alerts, ALERT_TYPES, SEVERITIES, ALERT_STATUSES, type AlertRow } from '../../src/modules/alerts/index.js';
import { alertFields } from '../../src/modules/alerts/alert.service.js';
import { abilityFor } from '../../src/policy.js';
import { demoUnits } from '../../src/seed/demo-units.js';

/**
 * The SQL that filters lists must select exactly the rows that the same CASL ability accepts
 * one by one: no row more (a leak), no row less. Checked on random rule sets (every operator
 * the interpreter maps, allowing and forbidding rules) and on random principals through the
 * real policies.
 */
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let rows: AlertRow[];
const units = demoUnits();
const paths = units.map((u) => u.path);

beforeAll(async () => {
  fresh = await freshDatabase();
  database = fresh.database;
  rows = await database.db.select().from(alerts);
});
afterAll(() => fresh?.drop());

async function sqlIds(ability: AppAbility): Promise<string[]> {
  const where = abilityToSql(ability, 'read', 'Alert', alertFields);
  const found = await database.db.select({ id: alerts.id }).from(alerts).where(and(where, sql`true`));
  return found.map((r) => r.id).sort();
}

function canIds(ability: AppAbility): string[] {
  return rows
    .filter((row) => ability.can('read', subject('Alert', { ...row })))
    .map((r) => r.id)
    .sort();
}

// CASL reads operator objects only when they are plain objects, as rules written in code are.
const plain = { noNullPrototype: true } as const;

const valueCondition = <T extends string>(values: readonly T[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.record({ $ne: fc.constantFrom(...values) }, plain),
    fc.record({ $in: fc.subarray([...values]) }, plain),
    fc.record({ $nin: fc.subarray([...values]) }, plain),
  );

const conditions = fc.record(
  {
    unitPath: fc.record({ $within: fc.constantFrom(...paths) }, plain),
    type: valueCondition(ALERT_TYPES),
    severity: valueCondition(SEVERITIES),
    status: valueCondition(ALERT_STATUSES),
  },
  { requiredKeys: [], noNullPrototype: true },
);

const rule = fc.record({ inverted: fc.boolean(), conditions: fc.option(conditions, { nil: undefined }) }, plain);

describe('ability → SQL equals ability.can, row by row', () => {
  it('on random allow/forbid rule sets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rule, { minLength: 0, maxLength: 4 }), async (rules) => {
        const builder = createAbilityBuilder();
        for (const r of rules) (r.inverted ? builder.cannot : builder.can)('read', 'Alert', r.conditions as never);
        const ability = buildAbility(builder);
        expect(await sqlIds(ability)).toEqual(canIds(ability));
      }),
      { numRuns: 250 },
    );
  });

  it('on random principals through the real policies', async () => {
    const principal = fc.record({
      roles: fc.subarray([...ROLES], { minLength: 1 }),
      unit: fc.option(fc.constantFrom(...units), { nil: null }),
      department: fc.option(
        fc.record({
          jurisdiction: fc.constantFrom(...units),
          types: fc.option(fc.subarray([...ALERT_TYPES]), { nil: null }),
        }),
        { nil: null },
      ),
    });
    await fc.assert(
      fc.asyncProperty(principal, async (p) => {
        const scope = (u: (typeof units)[number]) => ({ code: u.code, name: u.name, tier: tierOfPath(u.path)!, path: u.path });
        const subjectPrincipal: Principal = {
          name: 'random',
          displayName: 'random',
          kind: 'PERSON',
          roles: p.roles,
          unit: p.unit ? scope(p.unit) : null,
          department: p.department
            ? { code: 'dept', name: 'dept', jurisdiction: scope(p.department.jurisdiction), domains: [{ kind: 'Alert', types: p.department.types }] }
            : null,
          expiresAt: null,
          credential: { kind: 'JWT', id: null },
        };
        const ability = abilityFor(subjectPrincipal);
        expect(await sqlIds(ability)).toEqual(canIds(ability));
      }),
      { numRuns: 150 },
    );
  });
});
