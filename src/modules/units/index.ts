import { defineModule } from '../../platform/module.js';
import { requireUnit, toUnit, UNIT_CODE } from './unit.service.js';
import { units, unitMoves } from './unit.table.js';
import { UnitResolver } from './unit.resolver.js';
import { defineUnitRules } from './unit.policy.js';

export { units, unitMoves, type UnitRow, type UnitMoveRow } from './unit.table.js';
export { Unit, Tier } from './unit.type.js';
export { createUnitLoaders, unitOf } from './unit.loader.js';
export { toUnit, UNIT_KEYS, unitsByCodes, requireUnit } from './unit.service.js';

export const unitsModule = defineModule({
  name: 'units',
  resolvers: [UnitResolver],
  rules: defineUnitRules,
  tables: { units, unitMoves },
  hooks: { nodeKinds: [{ type: 'Unit', table: units, key: units.code, accepts: (id) => UNIT_CODE.test(id), load: async (ctx, id) => toUnit(await requireUnit(ctx.db, id)) }] },
});
