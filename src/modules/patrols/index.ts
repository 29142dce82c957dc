export { patrolReports, patrolFindings, type PatrolReportRow, type PatrolFindingRow } from './patrol.table.js';
export { PatrolReport, PatrolFinding, PatrolReportConnection } from './patrol.type.js';
export { PatrolReportResolver, PatrolFindingResolver } from './patrol.resolver.js';
export { definePatrolRules } from './patrol.policy.js';
export { createPatrolLoaders } from './patrol.loader.js';
export { findingsByIds, linkFindingToCase, toPatrolFinding } from './patrol.service.js';
