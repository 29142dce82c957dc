import DataLoader from 'dataloader';
import { and, asc, inArray, isNull } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/context.js';
import { units } from './unit.table.js';
import { toUnit, unitsByCodes } from './unit.service.js';
import type { Unit } from './unit.type.js';

interface UnitLoaders {
  unitByCode: DataLoader<string, Unit | null>;
  childrenOf: DataLoader<string, Unit[]>;
}

export function createUnitLoaders(db: Executor): UnitLoaders {
  return {
    unitByCode: new DataLoader(async (codes) => {
      const found = await unitsByCodes(db, codes);
      return codes.map((code) => {
        const row = found.get(code);
        return row ? toUnit(row) : null;
      });
    }),
    childrenOf: new DataLoader(async (codes) => {
      const rows = await db.select().from(units).where(and(inArray(units.parentCode, [...codes]), isNull(units.retiredAt))).orderBy(asc(units.code));
      return codes.map((code) => rows.filter((row) => row.parentCode === code).map(toUnit));
    }),
  };
}

/**
 * The unit a record names by code (its `unit` field and the like), through the request's
 * loader, or at once when the record's page already read it (`joined`: `null` for no such
 * unit). Every record's unit exists (a foreign key): one that does not is a broken database,
 * an internal error, never the caller's.
 */
export function unitOf(ctx: Pick<RequestContext, 'loaders'>, code: string, joined?: Unit | null): Unit | Promise<Unit> {
  if (joined !== undefined) return existingUnit(code, joined);
  return ctx.loaders.of(createUnitLoaders).unitByCode.load(code).then((unit) => existingUnit(code, unit));
}

function existingUnit(code: string, unit: Unit | null): Unit {
  if (!unit) throw new Error(`unit ${code} does not exist`);
  return unit;
}
