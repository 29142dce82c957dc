import type { Hub, RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { AuditDraft } from '../audit/index.js';

/**
 * Work that must commit with the alerts it concerns (the case rules open cases from ingested
 * alerts): called inside ingestAlerts' transaction with the ids of the alerts written now, so
 * that a crash leaves neither half. It returns the audit entries of what it did; they are
 * appended with the batch's own, in one write. Modules above alerts register here at start
 * (src/main.ts), so alerts never imports them.
 */
export type AlertsInsertedHook = (ctx: RequestContext, tx: Executor, alertIds: readonly string[]) => Promise<readonly AuditDraft[]>;

export function alertHooks(_hub: Hub): { afterInsert: AlertsInsertedHook[] } {
  return { afterInsert: [] };
}

export async function afterAlertsInserted(ctx: RequestContext, tx: Executor, alertIds: readonly string[]): Promise<AuditDraft[]> {
  if (alertIds.length === 0) return [];
  const drafts: AuditDraft[] = [];
  for (const hook of ctx.hub.single(alertHooks).afterInsert) drafts.push(...(await hook(ctx, tx, alertIds)));
  return drafts;
}
