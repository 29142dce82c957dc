import { isUuid } from '../../platform/db/ids.js';
import { defineModule } from '../../platform/module.js';
import { placedBy } from '../../platform/db/placement.js';
import { caseLive } from './case.live.js';
import { EVENT_CATEGORY_CODES } from '../categories/index.js';
import { cases, caseHistory, caseNumberSeq } from './case.table.js';
import { CaseResolver, ResidentRequestCaseResolver, PatrolFindingCaseResolver, AlertCaseResolver } from './case.resolver.js';
import { defineCaseRules, CASE_PERSONAL_FIELDS } from './case.policy.js';
import { requestCaseLink } from './case.command.js';
import { getCase } from './case.read.js';
import { openCasesForAlerts } from './case.rules.js';
import { caseSweep } from './case.sla.js';
import { casesPush } from './case.push.js';

export { cases, caseHistory, type CaseRow, type CaseOriginName } from './case.table.js';
export { WORKFLOW, allowedActions, type CaseStateName, type CaseActionName } from './case.workflow.js';
export { ALERT_CASE_RULES, ALERT_TYPE_CATEGORY, ALERT_TYPE_TITLE, deadlineFrom } from './case.catalog.js';
export { Case, CaseState, CaseAction, CaseHistoryEntry } from './case.type.js';
export { caseFields } from './case.model.js';
export { requestCaseLink } from './case.command.js';
export { CASE_PERSONAL_FIELDS } from './case.policy.js';
export { sweepOverdueCases } from './case.sla.js';
export { caseLive } from './case.live.js';

declare module '../../platform/pubsub/bus.js' {
  interface Topics {
    /** Cases were opened, moved through the workflow or escalated; subscribers get their state after the change. */
    caseChanged: { ids: string[] };
  }
}

export const casesModule = defineModule({
  name: 'cases',
  resolvers: [CaseResolver, ResidentRequestCaseResolver, PatrolFindingCaseResolver, AlertCaseResolver],
  rules: defineCaseRules,
  tables: { cases, caseHistory, caseNumberSeq },
  // A case's category is its `type` in the ability.
  grantable: { CASE: { subject: 'Case', types: EVENT_CATEGORY_CODES, personalFields: CASE_PERSONAL_FIELDS } },
  push: [casesPush],
  live: [caseLive],
  hooks: {
    // Cases follow their unit, and their assignee, when it moves or is merged (directory).
    placedRecords: [{ table: cases, id: cases.id, paths: [placedBy(cases, cases.openedAt), { path: cases.assigneePath, code: cases.assigneeCode }] }],
    nodeKinds: [{ type: 'Case', table: cases, key: cases.id, accepts: isUuid, load: (ctx, id) => getCase(ctx, id) }],
    // Cases open from ingested alerts in the alerts' own transaction.
    alertsInserted: openCasesForAlerts,
    // Resident requests reach the case opened from them (closing, rating) through this link.
    requestCaseLink,
  },
  // Overdue cases escalate.
  jobs: [caseSweep],
});
