import { and, asc, eq, isNull, type SQL } from 'drizzle-orm';
import { anyText } from '../../platform/db/any.js';
import type { Executor } from '../../platform/db/database.js';
import { NotFoundError } from '../../platform/errors.js';
import type { Tier } from '../../platform/auth/scope.js';
import { units, type UnitRow } from './unit.table.js';
import { Unit } from './unit.type.js';

/** The columns `toUnit` reads: a joined unit is read with these. */
export const UNIT_KEYS = ['code', 'name', 'tier', 'path', 'parentCode', 'retiredAt', 'successorCode'] as const satisfies readonly (keyof UnitRow)[];

export function toUnit(row: Pick<UnitRow, (typeof UNIT_KEYS)[number]>): Unit {
  return Object.assign(new Unit(), {
    id: row.code,
    code: row.code,
    name: row.name,
    tier: row.tier,
    path: row.path,
    parentCode: row.parentCode,
    retiredAt: row.retiredAt,
    successorCode: row.successorCode,
  });
}

/** Unit codes are digits (6 for a city or district, 9 for a street, 12 for a community, 15 for a grid). */
export const UNIT_CODE = /^\d{1,20}$/;

/** Anything that is not a code names no unit; it is never sent to the database. */
export async function unitsByCodes(db: Executor, codes: readonly string[]): Promise<Map<string, UnitRow>> {
  const wellFormed = codes.filter((code) => UNIT_CODE.test(code));
  if (wellFormed.length === 0) return new Map();
  const rows = await db.select().from(units).where(anyText(units.code, wellFormed));
  return new Map(rows.map((row) => [row.code, row]));
}

export async function requireUnit(db: Executor, code: string): Promise<UnitRow> {
  const row = (await unitsByCodes(db, [code])).get(code);
  if (!row) throw new NotFoundError('Unit', code);
  return row;
}

export async function listUnits(db: Executor, parentCode: string | undefined, tier: Tier | undefined): Promise<Unit[]> {
  // Retired units answer by code (unit) but are in no list.
  const where: SQL[] = [isNull(units.retiredAt)];
  if (parentCode !== undefined) where.push(eq(units.parentCode, parentCode));
  if (tier !== undefined) where.push(eq(units.tier, tier));
  const rows = await db.select().from(units).where(and(...where)).orderBy(asc(units.code)).limit(5000);
  return rows.map(toUnit);
}
