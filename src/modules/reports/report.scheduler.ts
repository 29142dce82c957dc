import type { Hub } from '../../platform/context.js';
import type { Job } from '../../platform/scheduler.js';
import { weekOf, type Period } from './report.period.js';
import { ensureScheduledReport, streetsWithoutReport } from './report.service.js';

const WEEK_MS = 7 * 86_400_000;

/** The last week that has ended at `now` (Monday to Monday, Asia/Shanghai). */
export function lastWeek(now: Date): Period {
  const current = weekOf(now);
  return { kind: 'WEEK', from: new Date(current.from.getTime() - WEEK_MS), to: current.from };
}

/**
 * The weekly run: once a week has ended (by the hub's clock), every street gets its report for
 * that week. Each hub process looks every REPORT_SCHEDULE_SECONDS (real time) whether a street
 * still lacks the report of the last ended week; the reports table's unique (unit, period) and
 * ON CONFLICT DO NOTHING make exactly one per street and week however many processes look at
 * once. A hub that was down over the turn of the week catches up when it starts.
 */
class WeeklyReports {
  private running: Promise<number> | undefined;

  constructor(private readonly hub: Hub) {}

  /** Makes the missing reports of the last ended week; how many this process stored. */
  runDue(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const now = this.hub.clock.now();
    const period = lastWeek(now);
    let created = 0;
    for (const street of await streetsWithoutReport(this.hub.database.db, period)) {
      if (await ensureScheduledReport(this.hub.database.db, street, period, now)) created++;
    }
    if (created > 0) this.hub.log.info('weekly reports generated', { from: period.from.toISOString(), created });
    return created;
  }
}

export function weeklyReports(hub: Hub): WeeklyReports {
  return new WeeklyReports(hub);
}

/** The weekly run as a job: at start, then every REPORT_SCHEDULE_SECONDS (0: never). */
export const weeklyReportsJob: Job = {
  name: 'weekly reports',
  every: (config) => config.reportScheduleSeconds,
  atStart: true,
  run: (hub) => hub.singles.of(weeklyReports).runDue(),
};
