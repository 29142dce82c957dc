import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Hub } from '../../platform/context.js';
import type { Job } from '../../platform/scheduler.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { codesOfPath } from '../../platform/auth/scope.js';
import { appendAudit } from '../audit/index.js';
import { deadlineFrom } from './case.catalog.js';
import { caseHistory, cases } from './case.table.js';
import { SLA_STATES } from './case.workflow.js';
import { SYSTEM_ACTOR } from './case.rules.js';

/** At most this many cases escalate per sweep (the next sweep takes the rest). */
const SWEEP_BATCH = 200;

/**
 * One SLA sweep: every overdue case (deadline passed, in a state where the SLA runs) whose
 * assignee is below the district escalates to its assignee's parent unit: assignment moves up,
 * the deadline starts again from the SLA table, history records ESCALATE by `system`, an
 * audit entry is written and caseChanged fires — all in one transaction.
 *
 * Exactly once with several hub processes on one database: the candidates are selected
 * `FOR UPDATE SKIP LOCKED` (a case another sweeper holds is skipped, not waited for), and each
 * UPDATE is conditional on the assignee and deadline read (a row a committed sweep already
 * moved is re-checked and left alone). Escalation stops at the district (a case assigned to
 * the district or the city stays overdue there). Returns the number of cases escalated.
 */
export async function sweepOverdueCases(hub: Hub): Promise<number> {
  const now = hub.clock.now();
  return hub.database.db.transaction(async (tx) => {
    const candidates = await tx
      .select()
      .from(cases)
      .where(and(inArray(cases.state, [...SLA_STATES]), lt(cases.deadlineAt, now), sql`${cases.assigneePath} like '%.%.%'`))
      .orderBy(asc(cases.deadlineAt))
      .limit(SWEEP_BATCH)
      .for('update', { skipLocked: true });
    const escalated: string[] = [];
    for (const row of candidates) {
      const codes = codesOfPath(row.assigneePath);
      const parentPath = codes.slice(0, -1).join('.');
      const parentCode = codes[codes.length - 2] as string;
      const [updated] = await tx
        .update(cases)
        .set({
          assigneeCode: parentCode,
          assigneePath: parentPath,
          deadlineAt: deadlineFrom(now, row.category, row.severity),
          version: sql`${cases.version} + 1`,
          escalationCount: sql`${cases.escalationCount} + 1`,
          updatedAt: now,
        })
        .where(and(eq(cases.id, row.id), eq(cases.assigneeCode, row.assigneeCode), lt(cases.deadlineAt, now)))
        .returning();
      if (!updated) continue;
      escalated.push(updated.id);
      await tx.insert(caseHistory).values({
        caseId: updated.id,
        seq: updated.version,
        actor: SYSTEM_ACTOR,
        actorUnitCode: null,
        at: now,
        action: 'ESCALATE',
        fromState: updated.state,
        toState: updated.state,
        note: `overdue since ${row.deadlineAt.toISOString()}`,
        assigneeBefore: row.assigneeCode,
        assigneeAfter: parentCode,
      });
      await appendAudit(tx, { actor: SYSTEM_ACTOR, actorKind: 'SYSTEM', unitCode: parentCode, unitPath: parentPath, purpose: null }, now, [
        { operation: 'escalateCase', kind: 'Case', recordIds: [updated.id], details: { from: row.assigneeCode, to: parentCode, overdueSince: row.deadlineAt.toISOString(), version: updated.version } },
      ]);
    }
    await publishIds(hub.bus, tx, 'caseChanged', escalated);
    return escalated.length;
  });
}

/** The SLA sweep every CASE_SWEEP_SECONDS on every hub process (0: never; tests call sweepOverdueCases themselves): the sweep is safe in parallel. */
export const caseSweep: Job = {
  name: 'case SLA sweep',
  every: (config) => config.caseSweepSeconds,
  run: sweepOverdueCases,
};
