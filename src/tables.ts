/** Every table, for drizzle-kit and for code that spans modules (seed, tests). */
export { units } from './modules/units/index.js';
export { principals, departments } from './modules/principals/index.js';
export { devices } from './modules/devices/index.js';
export { alerts } from './modules/alerts/index.js';
export { apiKeys } from './modules/apikeys/index.js';
export { grants } from './modules/grants/index.js';
export { auditLog } from './modules/audit/index.js';
export { channels } from './modules/channels/index.js';
export { residentRequests } from './modules/requests/index.js';
export { reports } from './modules/reports/index.js';
export { cases, caseHistory, caseNumberSeq } from './modules/cases/index.js';
export { patrolReports, patrolFindings } from './modules/patrols/index.js';
export { rateLimitCounters } from './platform/ratelimit/ratelimit.table.js';
