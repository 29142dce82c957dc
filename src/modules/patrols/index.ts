import { isUuid } from '../../platform/db/ids.js';
import { getPatrolReport } from './patrol.service.js';
import { defineModule } from '../../platform/module.js';
import { placedBy } from '../../platform/db/placement.js';
import { patrolReports, patrolFindings } from './patrol.table.js';
import { PatrolReportResolver, PatrolFindingResolver } from './patrol.resolver.js';
import { definePatrolRules } from './patrol.policy.js';
import { patrolsPush } from './patrol.push.js';

export { patrolReports, patrolFindings } from './patrol.table.js';
export { PatrolReport, PatrolFinding } from './patrol.type.js';
export { createPatrolLoaders } from './patrol.loader.js';
export { findingsByIds, linkFindingToCase } from './patrol.service.js';

export const patrolsModule = defineModule({
  name: 'patrols',
  resolvers: [PatrolReportResolver, PatrolFindingResolver],
  rules: definePatrolRules,
  tables: { patrolReports, patrolFindings },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'PatrolReport', table: patrolReports, key: patrolReports.id, accepts: isUuid, load: (ctx, id) => getPatrolReport(ctx, id) }], placedRecords: [
    { table: patrolReports, id: patrolReports.id, paths: [placedBy(patrolReports, patrolReports.startedAt)] },
    { table: patrolFindings, id: patrolFindings.id, paths: [placedBy(patrolFindings)] },
  ] },
  push: [patrolsPush],
});
