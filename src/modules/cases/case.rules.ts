import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { codesOfPath, TIERS } from '../../platform/auth/scope.js';
import { SEVERITIES, type AlertsInsertedHook } from '../alerts/index.js';
import { ALERT_CASE_RULES, ALERT_TYPE_CATEGORY, ALERT_TYPE_TITLE } from './case.catalog.js';
import { insertCaseIds, type CaseDraft } from './case.insert.js';

/** The actor of everything the hub does by itself (alert rules, SLA escalation). */
export const SYSTEM_ACTOR = 'system';

/** The path of `path`'s ancestor at `tier` (or `path` itself when it is above that tier). */
function ancestorAt(path: string, tier: (typeof TIERS)[number]): string {
  const codes = codesOfPath(path);
  return codes.slice(0, Math.min(codes.length, TIERS.indexOf(tier) + 1)).join('.');
}

/**
 * The alert rules (ALERT_CASE_RULES): inside ingestAlerts' transaction, the alerts written now
 * that a rule matches become REGISTERED cases assigned to the rule's tier, opened by `system`.
 * The alerts come as the insert returned them (nothing reads them again); only when a rule
 * matched, the cases and their history in one statement, whatever their number, and one
 * caseChanged event; its audit entry goes back to ingestAlerts, which appends it with its own.
 */
export const openCasesForAlerts: AlertsInsertedHook = async (ctx: RequestContext, tx: Executor, inserted) => {
  const drafts: CaseDraft[] = [];
  for (const row of inserted) {
    const rule = ALERT_CASE_RULES[row.type];
    if (!rule) continue;
    if (rule.minSeverity && SEVERITIES.indexOf(row.severity) < SEVERITIES.indexOf(rule.minSeverity)) continue;
    drafts.push({
      title: ALERT_TYPE_TITLE[row.type],
      description: '',
      category: ALERT_TYPE_CATEGORY[row.type],
      severity: rule.severity ?? row.severity,
      state: 'REGISTERED',
      originKind: 'ALERT',
      originId: row.id,
      unitPath: row.unitPath,
      assigneePath: ancestorAt(row.unitPath, rule.at),
      lat: row.lat,
      lng: row.lng,
      reporterName: null,
      reporterPhone: null,
      openedAt: ctx.hub.clock.now(),
      openedBy: SYSTEM_ACTOR,
      actorUnitCode: null,
      note: `alert rule: ${row.type} → ${rule.at.toLowerCase()}`,
      source: null,
      externalId: null,
    });
  }
  if (drafts.length === 0) return [];
  const written = await insertCaseIds(tx, drafts);
  const ids = written.map((c) => c.id);
  await publishIds(ctx.hub.bus, tx, 'caseChanged', ids);
  return [{ operation: 'openCase', kind: 'Case', recordIds: ids, details: { by: 'alert rules', alerts: written.map((c) => c.originId) } }];
};
