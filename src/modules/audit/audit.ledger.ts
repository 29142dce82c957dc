import type { GraphQLError } from 'graphql';
import type { RequestContext } from '../../platform/context.js';
import type { Denial, Disclosure } from '../../platform/auth/ledger.js';
import { ErrorCode, ForbiddenError, ServiceUnavailableError } from '../../platform/errors.js';
import { actorOf, appendAudit, type AuditDraft } from './audit.service.js';
import { auditMetrics } from './audit.metrics.js';

/**
 * Terminology
 * - flush: writing what a request's ledger noted (unmasked personal data returned, attempts
 *   refused) to the audit log, once the response (or a subscription event) is complete.
 */

/** One ALLOWED `read` entry per record kind: which records, the union of their fields, and per record when they differ. */
function disclosureDraft(disclosure: Disclosure): AuditDraft {
  const recordIds = [...disclosure.records.keys()].sort();
  const union = new Set<string>();
  for (const fields of disclosure.records.values()) for (const field of fields) union.add(field);
  const fields = [...union].sort();
  const uniform = [...disclosure.records.values()].every((set) => set.size === union.size);
  const details = uniform ? {} : { fieldsByRecord: Object.fromEntries(recordIds.map((id) => [id, [...(disclosure.records.get(id) ?? [])].sort()])) };
  return { operation: 'read', kind: disclosure.kind, recordIds, fields, details };
}

function denialDraft(denial: Denial): AuditDraft {
  return {
    operation: denial.operation,
    outcome: 'DENIED',
    kind: denial.kind,
    recordIds: denial.recordId === null ? [] : [denial.recordId],
    details: { ...denial.details, reason: denial.reason },
  };
}

/**
 * Writes what `ctx.ledger` noted since its last flush, in a transaction of its own, and forgets
 * it. Runs after the response is made and before it is sent. Fails closed: when the write fails
 * and the response carried personal data in full, it throws SERVICE_UNAVAILABLE and the entry
 * point sends that instead of the response (nothing unmasked leaves unaudited); a failed write
 * of refusals alone goes to the log and leaves the response as it is.
 */
export async function flushLedger(ctx: RequestContext): Promise<void> {
  if (ctx.ledger.empty) return;
  const purpose = ctx.ledger.purpose ?? ctx.purpose;
  const { disclosures, denials } = ctx.ledger.drain();
  const drafts = [...disclosures.filter((d) => d.records.size > 0).map(disclosureDraft), ...denials.map(denialDraft)];
  try {
    await appendAudit(ctx.hub.database.db, actorOf(ctx.principal, purpose), ctx.hub.clock.now(), drafts);
  } catch (error) {
    ctx.hub.singles.of(auditMetrics).ledgerFailures.inc();
    ctx.hub.log.error('audit log: could not write the request ledger', {
      principal: ctx.principal.name,
      entries: drafts.length,
      error: error instanceof Error ? error.message : String(error),
    });
    if (disclosures.some((d) => d.records.size > 0)) throw new AuditUnavailableError();
  }
}

/** What a caller gets instead of a response whose disclosure could not be audited. */
export class AuditUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('The audit log could not be written, so personal data was not sent: try again shortly');
  }
}

/**
 * Notes every FORBIDDEN among a response's errors as a denial: the action and subject its
 * extensions carry, the record when the service named one, and where in the response it fell.
 */
export function noteForbidden(ctx: RequestContext, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    if (error.extensions['code'] !== ErrorCode.FORBIDDEN) continue;
    const action = error.extensions['action'];
    const subject = error.extensions['subject'];
    const original = error.originalError instanceof ForbiddenError ? error.originalError : error instanceof ForbiddenError ? error : undefined;
    ctx.ledger.denied({
      operation: typeof action === 'string' ? action : 'unknown',
      kind: typeof subject === 'string' ? subject : 'unknown',
      recordId: original?.recordId ?? null,
      reason: error.message,
      ...(error.path ? { details: { path: error.path } } : {}),
    });
  }
}
