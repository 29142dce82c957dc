import { defineModule } from '../../platform/module.js';
import { StatsResolver } from './stats.resolver.js';

export { STATS_KINDS, STATS_GROUPS, STATS_KIND_SPECS, type StatsKindName, type StatsGroupName, type StatsKindSpec } from './stats.kinds.js';
export { countRecords, normaliseGroups, type Counted, type CountRow, type CountQuery } from './stats.service.js';
export { Stats, StatsBucket, StatsKeys, StatsKind, StatsGroup, CaseKpis } from './stats.type.js';
export { computeCaseKpis, caseKpisFor, type KpiFigures, type UnitKpis } from './stats.kpis.js';
export { StatsResolver } from './stats.resolver.js';

export const statsModule = defineModule({
  name: 'stats',
  resolvers: [StatsResolver],
});
