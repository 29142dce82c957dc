import type { Hub } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { invariant } from '../../platform/invariant.js';

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
 * module (which imports it): cases gives it under `requestCaseLink` in its manifest. Both run
 * inside the caller's transaction.
 */
export interface RequestCaseLink {
  /** The case opened from the request, locked for the rest of `tx`; undefined when it has none. */
  caseOf(tx: Executor, requestId: string): Promise<LinkedCase | undefined>;
  /** Writes the resident's rating onto that case (`satisfaction`, which caseKpis averages). */
  rateCase(tx: Executor, caseId: string, satisfaction: number): Promise<void>;
}

declare module '../../platform/hooks.js' {
  interface Hooks {
    /** The link from a resident request to the case opened from it (RequestCaseLink); exactly one module gives it. */
    requestCaseLink: RequestCaseLink;
  }
}

/** The one link to cases the hub's modules give. */
export function caseLinkOf(hub: Hub): RequestCaseLink {
  const [link, ...others] = hub.hooks('requestCaseLink');
  invariant(link && others.length === 0, 'exactly one module gives requestCaseLink (the cases module, in its manifest)');
  return link;
}
