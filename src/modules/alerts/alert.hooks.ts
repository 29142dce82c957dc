import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { AuditDraft } from '../audit/index.js';
import type { AlertRow } from './alert.table.js';

/** What the insert returns of each alert written now: enough for the hooks, without reading the rows again. */
export type InsertedAlert = Pick<AlertRow, 'id' | 'externalId' | 'type' | 'severity' | 'unitPath' | 'lat' | 'lng'>;

/**
 * Work that must commit with the alerts it concerns (the case rules open cases from ingested
 * alerts): called inside ingestAlerts' transaction with the alerts written now, so that a crash
 * leaves neither half. It returns the audit entries of what it did; they are appended with the
 * batch's own, in one write. A module above alerts gives one under `alertsInserted` in its
 * manifest, so alerts never imports it.
 */
export type AlertsInsertedHook = (ctx: RequestContext, tx: Executor, inserted: readonly InsertedAlert[]) => Promise<readonly AuditDraft[]>;

declare module '../../platform/hooks.js' {
  interface Hooks {
    /** Inside ingestAlerts' transaction, with the alerts written now (AlertsInsertedHook). */
    alertsInserted: AlertsInsertedHook;
  }
}

export async function afterAlertsInserted(ctx: RequestContext, tx: Executor, inserted: readonly InsertedAlert[]): Promise<AuditDraft[]> {
  if (inserted.length === 0) return [];
  const drafts: AuditDraft[] = [];
  for (const hook of ctx.hub.hooks('alertsInserted')) drafts.push(...(await hook(ctx, tx, inserted)));
  return drafts;
}
