import { and, eq, sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan } from '../../platform/auth/guard.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { invariant } from '../../platform/invariant.js';
import { storable } from '../ingest/index.js';
import { audit } from '../audit/index.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { residentRequests, type ResidentRequestRow } from './request.table.js';
import type { ResidentRequest } from './request.type.js';
import { caseLinkOf } from './request.hooks.js';
import { subjectOf, toResidentRequest } from './request.service.js';

/**
 * Staff act on a request: reply (the public answer the resident sees with the tracking code)
 * and close. Who may: officers, admins and grid workers whose unit contains the request's
 * community (ability `handle` on `ResidentRequest`, the same roots as reading). A caller who
 * may handle no request at all gets FORBIDDEN; a request outside the caller's scope is
 * NOT_FOUND, exactly as for `residentRequest(id)`.
 */
const REPLY_LIMIT = 1000;

/** The public reply when a request is closed and staff never wrote one. */
export const DEFAULT_CLOSING_REPLY = '您反映的问题已办理完毕，感谢您对社区工作的支持。';

function replyText(value: string | null | undefined, required: boolean): string | null {
  const text = value?.trim() ?? '';
  if (text === '') {
    if (required) throw new BadUserInputError('reply must not be empty', 'reply');
    return null;
  }
  if ([...text].length > REPLY_LIMIT) throw new BadUserInputError(`reply is longer than ${REPLY_LIMIT} characters`, 'reply');
  if (!storable(text)) throw new BadUserInputError('reply holds a NUL character or a broken UTF-16 surrogate', 'reply');
  return text;
}

/** The request, locked for the rest of `tx`, when the caller may handle it; NOT_FOUND or FORBIDDEN otherwise. */
async function requireHandled(ctx: RequestContext, tx: Executor, id: string, operation: string): Promise<ResidentRequestRow> {
  const [row] = isUuid(id) ? await tx.select().from(residentRequests).where(eq(residentRequests.id, id)).for('update') : [];
  const found = row ? subject('ResidentRequest', subjectOf(toResidentRequest(row))) : undefined;
  if (!row || !found || !ctx.ability.can('read', found)) {
    if (row) ctx.ledger.denied({ operation, kind: 'ResidentRequest', recordId: id, reason: 'outside the scope of the caller' });
    throw new NotFoundError('ResidentRequest', id);
  }
  if (!ctx.ability.can('handle', found)) throw new ForbiddenError('handle', 'ResidentRequest', `Not allowed to ${operation} request ${row.id}`, row.id);
  return row;
}

/**
 * The community's public reply (1 to 1,000 characters): SUBMITTED becomes REPLIED; a request
 * IN_CASE stays IN_CASE with its reply updated; a CLOSED request is CONFLICT. Audited.
 */
export async function replyResidentRequest(ctx: RequestContext, id: string, reply: string): Promise<ResidentRequest> {
  requireCan(ctx, 'handle', 'ResidentRequest');
  const text = replyText(reply, true);
  const now = ctx.hub.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const current = await requireHandled(ctx, tx, id, 'replyResidentRequest');
    if (current.status === 'CLOSED') throw new ConflictError(`Request ${current.id} is closed: its reply can no longer change`, { status: current.status });
    const [updated] = await tx
      .update(residentRequests)
      .set({ reply: text, repliedAt: now, status: current.status === 'SUBMITTED' ? 'REPLIED' : current.status })
      .where(eq(residentRequests.id, current.id))
      .returning();
    invariant(updated, 'a locked row updates');
    await audit(ctx, tx, { operation: 'replyResidentRequest', kind: 'ResidentRequest', recordIds: [updated.id], details: { from: current.status, to: updated.status, replaced: current.reply !== null } });
    return updated;
  });
  return toResidentRequest(row);
}

/**
 * Closes a request (CLOSED, `closedAt`), with an optional last reply; without one the reply it
 * had stays, or the fixed closing text when it never had one. A request handled as a case
 * (IN_CASE) closes with its case: until the case has ended (CLOSED or REJECTED) this is
 * CONFLICT naming the case. Closing a closed request is CONFLICT. Audited.
 */
export async function closeResidentRequest(ctx: RequestContext, id: string, reply: string | null | undefined): Promise<ResidentRequest> {
  requireCan(ctx, 'handle', 'ResidentRequest');
  const text = replyText(reply, false);
  const link = caseLinkOf(ctx.hub);
  const now = ctx.hub.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const current = await requireHandled(ctx, tx, id, 'closeResidentRequest');
    if (current.status === 'CLOSED') throw new ConflictError(`Request ${current.id} is already closed`, { status: current.status });
    const linked = current.status === 'IN_CASE' ? await link.caseOf(tx, current.id) : undefined;
    if (linked && !linked.final) {
      throw new ConflictError(`Request ${current.id} is handled as case ${linked.number} (${linked.state}): close the case, and the request closes with it`, {
        status: current.status, caseId: linked.id, caseNumber: linked.number, caseState: linked.state,
      });
    }
    const [updated] = await tx
      .update(residentRequests)
      .set(closing(now, text))
      .where(eq(residentRequests.id, current.id))
      .returning();
    invariant(updated, 'a locked row updates');
    await audit(ctx, tx, { operation: 'closeResidentRequest', kind: 'ResidentRequest', recordIds: [updated.id], details: { from: current.status, caseId: linked?.id ?? null, replied: text !== null } });
    return updated;
  });
  return toResidentRequest(row);
}

/**
 * Releases a request held for review (it came in past its channel's soft limit): `heldAt` is
 * cleared and live subscribers hear of it as of a new submission. Releasing a request that is not
 * held is CONFLICT. Audited. (A held request that is spam is simply closed.)
 */
export async function releaseResidentRequest(ctx: RequestContext, id: string): Promise<ResidentRequest> {
  requireCan(ctx, 'handle', 'ResidentRequest');
  const row = await ctx.db.transaction(async (tx) => {
    const current = await requireHandled(ctx, tx, id, 'releaseResidentRequest');
    if (current.heldAt === null) throw new ConflictError(`Request ${current.id} is not held for review`, { heldAt: null });
    const [updated] = await tx.update(residentRequests).set({ heldAt: null }).where(eq(residentRequests.id, current.id)).returning();
    invariant(updated, 'a locked row updates');
    await audit(ctx, tx, { operation: 'releaseResidentRequest', kind: 'ResidentRequest', recordIds: [updated.id], details: { heldAt: current.heldAt.toISOString() } });
    await publishIds(ctx.hub.bus, tx, 'residentRequestSubmitted', [updated.id]);
    return updated;
  });
  return toResidentRequest(row);
}

/** The columns a closing sets: status, closedAt, and the reply (`text`, the one it had, or the fixed closing text). */
function closing(now: Date, text: string | null) {
  return {
    status: 'CLOSED' as const,
    closedAt: now,
    reply: text ?? sql`coalesce(${residentRequests.reply}, ${DEFAULT_CLOSING_REPLY})`,
    repliedAt: text !== null ? now : sql`coalesce(${residentRequests.repliedAt}, ${now.toISOString()}::timestamptz)`,
  };
}

/**
 * Closes the request a case was opened from, in the case's own transaction, when the case
 * closes (the cases module calls it): the resident sees CLOSED, the reply staff wrote or the
 * fixed closing text, and may rate. A request already closed stays as it is. Returns the id
 * of the request it closed; its `closedAt` is the case's (`now`).
 */
export async function closeRequestOfCase(ctx: RequestContext, tx: Executor, requestId: string, caseNumber: string, now: Date): Promise<string | undefined> {
  const [updated] = await tx
    .update(residentRequests)
    .set(closing(now, null))
    .where(and(eq(residentRequests.id, requestId), sql`${residentRequests.status} <> 'CLOSED'`))
    .returning({ id: residentRequests.id });
  if (updated) await audit(ctx, tx, { operation: 'closeResidentRequest', kind: 'ResidentRequest', recordIds: [updated.id], details: { byCase: caseNumber } });
  return updated?.id;
}
