export { cases, caseHistory, caseNumberSeq, CASE_ORIGINS, type CaseRow, type CaseHistoryRow, type CaseOriginName } from './case.table.js';
export { CASE_STATES, CASE_ACTIONS, WORKFLOW, SLA_STATES, allowedActions, type CaseStateName, type CaseActionName } from './case.workflow.js';
export { SLA_BASE_HOURS, SEVERITY_SLA_FACTOR, ALERT_CASE_RULES, ALERT_TYPE_CATEGORY, slaMs, deadlineFrom } from './case.catalog.js';
export { Case, CaseState, CaseAction, CaseHistoryEntry } from './case.type.js';
export { CaseResolver, ResidentRequestCaseResolver, PatrolFindingCaseResolver, AlertCaseResolver } from './case.resolver.js';
export { defineCaseRules, CASE_PERSONAL_FIELDS } from './case.policy.js';
export { sweepOverdueCases, startCaseSweeper } from './case.sla.js';
export { openCasesForAlerts } from './case.rules.js';
export { caseLive } from './case.live.js';
