import { isUuid } from '../../platform/db/ids.js';
import { getReport } from './report.service.js';
import { defineModule } from '../../platform/module.js';
import { reports } from './report.table.js';
import { REPORT_PERIODS } from './report.period.js';
import { ReportResolver } from './report.resolver.js';
import { defineReportRules } from './report.policy.js';
import { weeklyReportsJob } from './report.scheduler.js';

export { reports } from './report.table.js';
export { Report } from './report.type.js';
export { computeFigures } from './report.figures.js';
export { generateReport, getReport } from './report.service.js';
export { weeklyReports, lastWeek } from './report.scheduler.js';
export { verifyReportLink } from './report.link.js';
export { renderReportPage } from './report.page.js';

export const reportsModule = defineModule({
  name: 'reports',
  resolvers: [ReportResolver],
  rules: defineReportRules,
  tables: { reports },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'Report', table: reports, key: reports.id, accepts: isUuid, load: (ctx, id) => getReport(ctx, id) }], placedRecords: [{ table: reports, id: reports.id, paths: [{ path: reports.unitPath, tiers: reports, time: reports.periodFrom }] }] },
  // A report's period kind (WEEK, MONTH, CUSTOM) is its `type`; no personal fields.
  grantable: { REPORT: { subject: 'Report', types: REPORT_PERIODS, personalFields: [] } },
  jobs: [weeklyReportsJob],
});
