import type { RequestContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { Receipt } from '../../platform/pubsub/bus.js';
import { audit, type AuditDraft } from '../audit/index.js';
import { buildReport, type IngestReport, type Verdict } from '../ingest/index.js';

/** What a directory import does with one record that passed its checks. */
export interface PlannedRow<Row> {
  row: Row;
  change: 'insert' | 'update' | 'same';
}

/** The indexes of the records written, by kind of write. */
export interface Applied {
  inserted: Set<number>;
  updated: Set<number>;
}

export interface ApplyPlan<Row> {
  /** Each record's key (a code or a name), in the batch's order: the report's record ids. */
  keys: readonly string[];
  verdicts: readonly Verdict[];
  plans: readonly (PlannedRow<Row> | undefined)[];
  atomic: boolean | null | undefined;
  /** The batch's audit entry, from what was written (or nothing, when aborted). */
  summary(applied: Applied, aborted: boolean): AuditDraft;
  insert(tx: Tx, row: Row): Promise<unknown>;
  /** Updates the row and publishes what its change means to cached access. */
  update(tx: Tx, row: Row): Promise<Receipt>;
}

/**
 * The write half of a directory import, on the ingest contract: an `atomic` batch with a
 * rejected record writes nothing but its audit entry; otherwise every pending record is
 * inserted or updated in one transaction with the audit entry, and the report returns once
 * every hub process has heard the access changes.
 */
export async function applyPlans<Row>(ctx: RequestContext, plan: ApplyPlan<Row>): Promise<IngestReport> {
  const applied: Applied = { inserted: new Set(), updated: new Set() };
  const rejected = rejectedCount(plan.verdicts) > 0;
  if (plan.atomic && rejected) {
    await audit(ctx, ctx.db, plan.summary(applied, true));
    return buildReport(plan.keys, [...plan.verdicts], 'aborted');
  }
  const receipts = await ctx.db.transaction(async (tx) => {
    const sent: Receipt[] = [];
    for (const [index, verdict] of plan.verdicts.entries()) {
      const planned = plan.plans[index];
      if (verdict.status !== 'pending' || !planned || planned.change === 'same') continue;
      if (planned.change === 'insert') {
        await plan.insert(tx, planned.row);
        applied.inserted.add(index);
      } else {
        sent.push(await plan.update(tx, planned.row));
        applied.updated.add(index);
      }
    }
    await audit(ctx, tx, plan.summary(applied, false));
    return sent;
  });
  await Promise.all(receipts.map((receipt) => ctx.hub.bus.delivered(receipt)));
  return buildReport(plan.keys, [...plan.verdicts], { ids: new Map(plan.keys.map((key, index) => [index, key])), ...applied });
}

/** The record ids an import's audit entry names: those inserted or updated. */
export function writtenKeys(keys: readonly string[], applied: Applied): string[] {
  return keys.filter((_, index) => applied.inserted.has(index) || applied.updated.has(index));
}

export function rejectedCount(verdicts: readonly Verdict[]): number {
  return verdicts.filter((verdict) => verdict.status === 'REJECTED').length;
}
