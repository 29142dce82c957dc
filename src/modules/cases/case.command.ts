import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { homeOf } from '../../platform/auth/principal.js';
import { codesOfPath, isWithin } from '../../platform/auth/scope.js';
import { BadUserInputError, ConflictError, ForbiddenError } from '../../platform/errors.js';
import { unitsByCodes, type UnitRow } from '../units/index.js';
import { closeRequestOfCase, residentRequests, type RequestCaseLink } from '../requests/index.js';
import { linkFindingToCase } from '../patrols/index.js';
import { audit } from '../audit/index.js';
import { deadlineFrom } from './case.catalog.js';
import { caseHistory, cases } from './case.table.js';
import type { Case } from './case.type.js';
import { CASE_LIMITS, inputText, type OpenCaseInput } from './case.input.js';
import { actionsFor, caseSubject, rolesOn, toCase } from './case.model.js';
import { getCase } from './case.read.js';
import { insertCases } from './case.insert.js';
import { existingCaseFor, originOf } from './case.origin.js';
import { CALLER_ACTIONS, FINAL_STATES, WORKFLOW, allowedActions, targetState, type CaseActionName } from './case.workflow.js';

/* Changing cases: opening one, moving it through the workflow, and the link the requests module uses. */

/**
 * Opens a case (REPORTED) from an alert, a resident request, a patrol finding, or by hand. The
 * case sits at the origin's unit and is first assigned there. One transaction: the case, its
 * OPEN history entry, the link on the request (IN_CASE) or the finding, the audit entry and
 * the caseChanged event. An origin that already has a case → CONFLICT naming it.
 */
export async function openCase(ctx: RequestContext, input: OpenCaseInput): Promise<Case> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'open', 'Case');
  const origin = await originOf(ctx, input);
  const title = inputText(input.title, 'title', CASE_LIMITS.title) ?? origin.title;
  const description = inputText(input.description, 'description', CASE_LIMITS.description) ?? origin.description;
  const note = inputText(input.note, 'note', CASE_LIMITS.note);
  const reporterName = inputText(input.reporterName, 'reporterName', CASE_LIMITS.reporterName) ?? origin.reporterName;
  const reporterPhone = inputText(input.reporterPhone, 'reporterPhone', CASE_LIMITS.reporterPhone) ?? origin.reporterPhone;
  if (input.location && !(Math.abs(input.location.lat) <= 90 && Math.abs(input.location.lng) <= 180)) throw new BadUserInputError('location out of range', 'input.location');
  const category = input.category ?? origin.category;
  const severity = input.severity ?? origin.severity ?? 'MEDIUM';
  const unitPath = origin.unitPath;
  const candidate = { id: '', unitPath, assigneePath: unitPath, assigneeCode: codesOfPath(unitPath).at(-1) ?? '', category, state: 'REPORTED' as const };
  if (!ctx.ability.can('open', caseSubject(candidate))) throw new ForbiddenError('open', 'Case', `Not allowed to open cases at ${candidate.assigneeCode}`);
  const now = ctx.hub.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    if (origin.id) {
      const existing = await existingCaseFor(tx, origin.kind, origin.id);
      if (existing) throw new ConflictError(`Case ${existing.number} was already opened from this ${origin.kind.toLowerCase().replace('_', ' ')}`, { caseId: existing.id, number: existing.number });
    }
    const [written] = await insertCases(tx, [
      {
        title, description, category, severity, state: 'REPORTED', originKind: origin.kind, originId: origin.id, unitPath, assigneePath: unitPath,
        lat: input.location?.lat ?? origin.lat, lng: input.location?.lng ?? origin.lng, reporterName, reporterPhone,
        openedAt: now, openedBy: principal.name, actorUnitCode: homeOf(principal)?.code ?? null, note, source: null, externalId: null,
      },
    ]);
    if (!written) throw new Error('insert returned no case');
    if (origin.kind === 'RESIDENT_REQUEST' && origin.id) {
      await tx.update(residentRequests).set({ status: 'IN_CASE' }).where(and(eq(residentRequests.id, origin.id), inArray(residentRequests.status, ['SUBMITTED', 'REPLIED'])));
    }
    if (origin.kind === 'PATROL_FINDING' && origin.id && !(await linkFindingToCase(tx, origin.id, written.id))) {
      throw new ConflictError('A case was already opened from this patrol finding', {});
    }
    await publishIds(ctx.hub.bus, tx, 'caseChanged', [written.id]);
    await audit(ctx, tx, { operation: 'openCase', kind: 'Case', recordIds: [written.id], details: { origin: origin.kind, originId: origin.id, number: written.number } });
    return written;
  });
  return toCase(row);
}

interface TransitionArgs {
  id: string;
  action: CaseActionName;
  note?: string | null;
  assigneeUnitCode?: string | null;
  expectedVersion?: number | null;
}

function notAllowed(c: Case, action: CaseActionName, allowed: CaseActionName[]): ConflictError {
  return new ConflictError(
    `${action} is not allowed on case ${c.number} in state ${c.state} for you; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    { state: c.state, version: c.version, allowedActions: allowed },
  );
}

/**
 * Moves a case by one action of the workflow table. The caller must be able to read it
 * (NOT_FOUND), hold a role on it (FORBIDDEN), and the action must be allowed in its state for
 * that role (CONFLICT listing what is allowed). The UPDATE is conditional on the version read
 * (or `expectedVersion`): of two officers acting at once, one wins, the other gets CONFLICT.
 * History, audit and caseChanged commit with the change.
 */
export async function transitionCase(ctx: RequestContext, args: TransitionArgs): Promise<Case> {
  const principal = requirePrincipal(ctx);
  const current = await getCase(ctx, args.id, 'transition');
  const roles = rolesOn(ctx, current);
  if (roles.size === 0) throw new ForbiddenError('handle', 'Case', `Not allowed to act on case ${current.number}`, current.id);
  if (!CALLER_ACTIONS.includes(args.action)) throw notAllowed(current, args.action, actionsFor(ctx, current));
  const allowed = allowedActions(current.state, roles);
  if (!allowed.includes(args.action)) throw notAllowed(current, args.action, allowed);
  if (args.expectedVersion != null && args.expectedVersion !== current.version) {
    throw new ConflictError(`Case ${current.number} is at version ${current.version}, not ${args.expectedVersion}: it changed since you read it`, {
      state: current.state, version: current.version, allowedActions: allowed,
    });
  }
  const step = WORKFLOW[args.action];
  const note = inputText(args.note, 'note', CASE_LIMITS.note);
  let assignee: UnitRow | undefined;
  if (step.needsAssignee) {
    if (!args.assigneeUnitCode) throw new BadUserInputError(`${args.action} needs assigneeUnitCode`, 'assigneeUnitCode');
    assignee = (await unitsByCodes(ctx.db, [args.assigneeUnitCode])).get(args.assigneeUnitCode);
    if (!assignee) throw new BadUserInputError(`No unit has code ${args.assigneeUnitCode}`, 'assigneeUnitCode');
    const home = principal.unit;
    if (!home || !isWithin(assignee.path, home.path)) {
      throw new ForbiddenError('dispatch', 'Case', `You may dispatch only to units within ${home ? `${home.name} (${home.code})` : 'your unit'}`, current.id);
    }
  } else if (args.assigneeUnitCode) {
    throw new BadUserInputError(`${args.action} takes no assigneeUnitCode`, 'assigneeUnitCode');
  }
  const now = ctx.hub.clock.now();
  const to = targetState(args.action, current.state, null);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(cases)
      .set({
        state: args.action === 'RESUME' ? sql`coalesce(${cases.suspendedFrom}, 'REGISTERED')` : to,
        suspendedFrom: args.action === 'SUSPEND' ? current.state : args.action === 'RESUME' ? null : sql`${cases.suspendedFrom}`,
        version: sql`${cases.version} + 1`,
        updatedAt: now,
        ...(assignee ? { assigneeCode: assignee.code, assigneePath: assignee.path } : {}),
        ...(step.renewsDeadline ? { deadlineAt: deadlineFrom(now, current.category, current.severity) } : {}),
        ...(step.reopens ? { reopenCount: sql`${cases.reopenCount} + 1` } : {}),
        ...(FINAL_STATES.includes(to) && args.action !== 'RESUME' ? { closedAt: now } : {}),
      })
      .where(and(eq(cases.id, current.id), eq(cases.version, current.version)))
      .returning();
    if (!updated) return undefined;
    await tx.insert(caseHistory).values({
      caseId: updated.id,
      seq: updated.version,
      actor: principal.name,
      actorUnitCode: homeOf(principal)?.code ?? null,
      at: now,
      action: args.action,
      fromState: current.state,
      toState: updated.state,
      note,
      assigneeBefore: current.assigneeCode,
      assigneeAfter: updated.assigneeCode,
    });
    // The resident's request closes with its case: the status page shows CLOSED and asks for a rating.
    if (updated.state === 'CLOSED' && updated.originKind === 'RESIDENT_REQUEST' && updated.originId) await closeRequestOfCase(ctx, tx, updated.originId, updated.number, now);
    await publishIds(ctx.hub.bus, tx, 'caseChanged', [updated.id]);
    await audit(ctx, tx, {
      operation: 'transitionCase', kind: 'Case', recordIds: [updated.id],
      details: { action: args.action, from: current.state, to: updated.state, assigneeBefore: current.assigneeCode, assigneeAfter: updated.assigneeCode, version: updated.version },
    });
    return updated;
  });
  if (!row) {
    // Someone else changed it between the read and the update: say where it stands now.
    const now2 = await getCase(ctx, args.id, 'transition');
    throw new ConflictError(`Case ${now2.number} changed while you acted (now ${now2.state}, version ${now2.version}); nothing was written`, {
      state: now2.state, version: now2.version, allowedActions: actionsFor(ctx, now2),
    });
  }
  return toCase(row);
}

/**
 * What the requests module needs of the case opened from a request (the `requestCaseLink` hook
 * of this module's manifest, so requests never imports cases): the case, locked, and the
 * resident's rating written onto it.
 */
export const requestCaseLink: RequestCaseLink = {
  async caseOf(tx, requestId) {
    const [row] = await tx
      .select({ id: cases.id, number: cases.number, state: cases.state })
      .from(cases)
      .where(and(eq(cases.originKind, 'RESIDENT_REQUEST'), eq(cases.originId, requestId)))
      .limit(1)
      .for('update');
    return row ? { ...row, final: FINAL_STATES.includes(row.state) } : undefined;
  },
  async rateCase(tx, caseId, satisfaction) {
    await tx.update(cases).set({ satisfaction }).where(eq(cases.id, caseId));
  },
};
