import { isUuid } from '../../platform/db/ids.js';
import { getReport } from './report.service.js';
import { defineModule } from '../../platform/module.js';
import { reports } from './report.table.js';
import { REPORT_PERIODS } from './report.period.js';
import { ReportResolver } from './report.resolver.js';
import { defineReportRules } from './report.policy.js';
import { weeklyReportsJob } from './report.scheduler.js';

export { reports, type ReportRow } from './report.table.js';
export { Report, ReportPeriodKind, ReportConnection } from './report.type.js';
export { ReportResolver } from './report.resolver.js';
export { defineReportRules } from './report.policy.js';
export { computeFigures, FLOW_KINDS, type ReportFigures } from './report.figures.js';
export { weekOf, monthOf, previousOf, periodOf, REPORT_PERIODS, type Period, type ReportPeriodName } from './report.period.js';
export { ensureReport, ensureScheduledReport, generateReport, getReport, listReports, reportFields, toReport } from './report.service.js';
export { weeklyReports, lastWeek, WeeklyReports } from './report.scheduler.js';
export { signReportLink, verifyReportLink, LINK_TTL_SECONDS } from './report.link.js';
export { renderReportPage } from './report.page.js';

export const reportsModule = defineModule({
  name: 'reports',
  resolvers: [ReportResolver],
  rules: defineReportRules,
  tables: { reports },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'Report', table: reports, key: reports.id, accepts: isUuid, load: (ctx, id) => getReport(ctx, id) }], placedRecords: [{ table: reports, id: reports.id, paths: [{ path: reports.unitPath, tiers: reports }] }] },
  // A report's period kind (WEEK, MONTH, CUSTOM) is its `type`; no personal fields.
  grantable: { REPORT: { subject: 'Report', types: REPORT_PERIODS, personalFields: [] } },
  jobs: [weeklyReportsJob],
});
