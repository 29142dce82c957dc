import DataLoader from 'dataloader';
import { and, asc, inArray, isNull } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { units } from './unit.table.js';
import { toUnit, unitsByCodes } from './unit.service.js';
import type { Unit } from './unit.type.js';

export interface UnitLoaders {
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
