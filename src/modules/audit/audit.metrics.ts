import { desc } from 'drizzle-orm';
import type { Hub } from '../../platform/context.js';
import { auditLog } from './audit.table.js';

/** How long a scrape waits for the audit log's length before it leaves the gauge as it was. */
const SCRAPE_TIMEOUT_MS = 1000;

/**
 * `gridhub_audit_log_entries`: the audit chain's last sequence number, read from the database at
 * each scrape: every entry any process (or CLI command) wrote, so its rate is entries written per
 * second across the deployment. `gridhub_audit_ledger_write_failures_total`: a request's ledger
 * (personal data read, attempts refused) that could not be written after its answer was sent.
 */
export function auditMetrics(hub: Hub) {
  const entries = hub.metrics.gauge({
    name: 'gridhub_audit_log_entries',
    help: 'Entries in the audit log (its last sequence number), read from the database at each scrape',
    async collect() {
      const read = hub.database.db.select({ seq: auditLog.seq }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS)));
      try {
        const rows = await Promise.race([read, timeout]);
        if (rows) this.set(rows[0]?.seq ?? 0);
      } catch {
        // The database is away: the gauge keeps its last value; gridhub_db_statement_errors_total says why.
      } finally {
        clearTimeout(timer);
      }
    },
  });
  const ledgerFailures = hub.metrics.counter({
    name: 'gridhub_audit_ledger_write_failures_total',
    help: "Requests whose ledger (personal data returned, attempts refused) could not be written to the audit log",
  });
  return { entries, ledgerFailures };
}
