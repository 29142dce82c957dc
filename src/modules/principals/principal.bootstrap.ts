import { eq, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { BadUserInputError } from '../../platform/errors.js';
import { ROLES } from '../../platform/auth/principal.js';
import { appendAudit } from '../audit/index.js';
import { units } from '../units/index.js';
import { principals } from './principal.table.js';

export interface BootstrapInput {
  /** The root unit's code: a city's six digits. */
  unitCode: string;
  unitName: string;
  /** The first admin's principal name (what its tokens, or the identity provider's claim, name). */
  admin: string;
  displayName?: string | undefined;
  /** Who ran it: `cli:<os user>`. */
  operator: string;
  now: Date;
}

export interface BootstrapOutcome {
  unit: 'created' | 'existed';
  admin: 'created' | 'existed';
}

/**
 * The first step of a city's own hub: its root unit and a first ADMIN there, holding every
 * role (an admin grants only roles it holds). Idempotent: run again with the same values it
 * changes nothing; it refuses a database whose root is another unit, and an admin name taken
 * by a principal that is not an admin of the root.
 */
export async function bootstrapCity(db: Db, input: BootstrapInput): Promise<BootstrapOutcome> {
  if (!/^\d{6}$/.test(input.unitCode)) throw new BadUserInputError(`--unit must be a city's 6-digit code, got "${input.unitCode}"`, 'unit');
  if (input.unitName.trim() === '') throw new BadUserInputError('--name must not be empty', 'name');
  if (!/^[\w.@-]{1,200}$/u.test(input.admin)) throw new BadUserInputError(`--admin must be a principal name (letters, digits, . _ - @), got "${input.admin}"`, 'admin');
  return db.transaction(async (tx) => {
    const roots = await tx.select().from(units).where(isNull(units.parentCode));
    const other = roots.find((root) => root.code !== input.unitCode);
    if (other) throw new BadUserInputError(`This database's root unit is ${other.name} (${other.code}), not ${input.unitCode}: nothing changed`, 'unit');
    const outcome: BootstrapOutcome = { unit: roots.length > 0 ? 'existed' : 'created', admin: 'created' };
    if (outcome.unit === 'created') {
      await tx.insert(units).values({ code: input.unitCode, name: input.unitName.trim(), tier: 'CITY', parentCode: null, path: input.unitCode, depth: 1 });
    }
    const [existing] = await tx.select().from(principals).where(eq(principals.name, input.admin));
    if (existing) {
      if (existing.unitCode !== input.unitCode || !existing.roles.includes('ADMIN') || existing.disabledAt) {
        throw new BadUserInputError(`A principal named "${input.admin}" exists and is not an enabled admin of ${input.unitCode}: nothing changed`, 'admin');
      }
      outcome.admin = 'existed';
    } else {
      await tx.insert(principals).values({
        name: input.admin,
        displayName: input.displayName?.trim() || input.admin,
        kind: 'PERSON',
        roles: ROLES.filter((role) => role !== 'ADAPTER'),
        unitCode: input.unitCode,
        departmentCode: null,
      });
    }
    if (outcome.unit === 'created' || outcome.admin === 'created') {
      const actor = { actor: input.operator, actorKind: 'CLI', unitCode: input.unitCode, unitPath: input.unitCode, purpose: null };
      await appendAudit(tx, actor, input.now, [
        { operation: 'bootstrap', kind: 'Unit', recordIds: [input.unitCode, input.admin], details: { unit: outcome.unit, admin: outcome.admin, unitName: input.unitName.trim() } },
      ]);
    }
    return outcome;
  });
}
