import { defineModule } from '../../platform/module.js';
import { StatsResolver } from './stats.resolver.js';

export { type StatsKindName } from './stats.kinds.js';
export { countRecords, type Counted } from './stats.service.js';
export { Stats, StatsKind, StatsGroup } from './stats.type.js';
export { computeCaseKpis, type KpiFigures } from './stats.kpis.js';

export const statsModule = defineModule({
  name: 'stats',
  resolvers: [StatsResolver],
});
