import type { Hub, RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';

/**
 * Work that must commit with the alerts it concerns (the case rules open cases from ingested
 * alerts): called inside ingestAlerts' transaction with the ids of the alerts written now, so
 * that a crash leaves neither half. Modules above alerts register here at start (src/main.ts),
 * so alerts never imports them.
 */
export type AlertsInsertedHook = (ctx: RequestContext, tx: Executor, alertIds: readonly string[]) => Promise<void>;

export function alertHooks(_hub: Hub): { afterInsert: AlertsInsertedHook[] } {
  return { afterInsert: [] };
}

export async function afterAlertsInserted(ctx: RequestContext, tx: Executor, alertIds: readonly string[]): Promise<void> {
  if (alertIds.length === 0) return;
  for (const hook of ctx.hub.single(alertHooks).afterInsert) await hook(ctx, tx, alertIds);
}
