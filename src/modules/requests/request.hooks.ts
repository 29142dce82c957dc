import type { Hub } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';

/** The case opened from a resident request, as the requests module needs to know it. */
export interface LinkedCase {
  id: string;
  number: string;
  state: string;
  /** The case has ended (CLOSED or REJECTED): the request may be closed on its own. */
  final: boolean;
}

/**
 * How the requests module reaches the case opened from a request without importing the cases
 * module (which imports it): cases registers these at start (src/main.ts). Both run inside the
 * caller's transaction.
 */
export interface RequestCaseLink {
  /** The case opened from the request, locked for the rest of `tx`; undefined when it has none. */
  caseOf(tx: Executor, requestId: string): Promise<LinkedCase | undefined>;
  /** Writes the resident's rating onto that case (`satisfaction`, which caseKpis averages). */
  rateCase(tx: Executor, caseId: string, satisfaction: number): Promise<void>;
}

export function requestHooks(_hub: Hub): { caseLink: RequestCaseLink | undefined } {
  return { caseLink: undefined };
}
