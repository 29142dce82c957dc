import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Hub, RequestContext, RequestScope } from '../platform/context.js';
import type { Principal } from '../platform/auth/principal.js';
import { AuditUnavailableError, flushLedger, noteForbidden } from '../modules/audit/index.js';
import { clientOf, createContext, createLiveContext, purposeOf, requestAccess } from '../context.js';
import { accessFor, type LiveAccess } from '../access.js';

/**
 * Terminology
 * - request scope: what every entry point does around a request, the same way on each of them
 *   (/graphql, the WebSocket, Open311, the report page): authenticate the caller, build the
 *   request's context, note every FORBIDDEN among its errors as a denial, and write what its
 *   ledger noted to the audit log once the answer is made (on a WebSocket, once each message is).
 * - caller: what an HTTP request says about who sends it: its credentials, why it reads
 *   personal data (`x-purpose`), and the client address.
 */

/** What an HTTP request says about its caller. */
interface Caller {
  /** `Authorization`: `Bearer <JWT>` or `ApiKey <key>`. */
  readonly authorization: string | undefined;
  /** `X-Api-Key`: an adapter's key (not read on Open311, where it carries a channel token). */
  readonly apiKey: string | undefined;
  /** `X-Purpose`, or the WebSocket's `connectionParams.purpose`. */
  readonly purpose: unknown;
  /** express's `req.ip` (which honours TRUST_PROXY), or the WebSocket upgrade's address. */
  readonly ip: string | undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header as text: Node hands header bytes over one per character (latin1), so a UTF-8
 * value (`x-purpose: 核查火警` from curl) is decoded as UTF-8 when its bytes are valid UTF-8.
 */
function headerText(value: string | string[] | undefined): string | undefined {
  const raw = header(value);
  if (raw === undefined || !/[\x80-\xff]/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

/**
 * The caller of an HTTP request, from its headers and address. `apiKeyHeader: false` leaves
 * `X-Api-Key` out (Open311: there it is a channel token, not a credential of the caller).
 */
export function callerOf(req: { headers: IncomingHttpHeaders; ip?: string | undefined }, options: { apiKeyHeader?: boolean } = {}): Caller {
  return {
    authorization: header(req.headers.authorization),
    apiKey: options.apiKeyHeader === false ? undefined : header(req.headers['x-api-key']),
    purpose: headerText(req.headers['x-purpose']),
    ip: req.ip,
  };
}

/** An HTTP request's context: the caller authenticated (bearer tokens through the access cache), its access fixed for the request. */
export async function openScope(hub: Hub, caller: Caller): Promise<RequestContext> {
  const access = await requestAccess(hub, caller.authorization, caller.apiKey);
  return createContext(hub, access, purposeOf(caller.purpose), undefined, clientOf(caller.ip));
}

/** The context of a request whose principal was proven another way (the report page's link token). */
export async function openScopeAs(hub: Hub, principal: Principal, caller: Caller): Promise<RequestContext> {
  return createContext(hub, await accessFor(hub, principal), purposeOf(caller.purpose), undefined, clientOf(caller.ip));
}

/** A WebSocket operation's context: the connection's live access (authenticated when it opened), its purpose and address. */
export function openLiveScope(
  hub: Hub,
  live: LiveAccess,
  caller: Omit<Caller, 'authorization' | 'apiKey'>,
  closeConnection: (code: number, reason: string) => void,
  announceLive?: (payload: Record<string, unknown>) => void,
): RequestContext {
  return createLiveContext(hub, live, purposeOf(caller.purpose), closeConnection, clientOf(caller.ip), announceLive);
}

/** Every FORBIDDEN among an answer's errors, noted in the request's ledger as a denial. */
export function noteDenials(ctx: RequestContext, errors: readonly GraphQLError[]): void {
  noteForbidden(ctx, errors);
}

/**
 * The end of an answer: what the ledger noted goes to the audit log (after the answer is made,
 * before it is sent). Resolves to the error to send instead of the answer when the answer
 * carried personal data in full and its audit entry could not be written (fail closed), to
 * undefined otherwise.
 */
export async function closeScope(ctx: RequestContext): Promise<AuditUnavailableError | undefined> {
  try {
    await flushLedger(ctx);
    return undefined;
  } catch (error) {
    if (error instanceof AuditUnavailableError) return error;
    throw error;
  }
}

/** The request scope of an HTTP route: the caller from the request's headers. */
export function httpScope(hub: Hub, options: { apiKeyHeader?: boolean } = {}): RequestScope<{ headers: IncomingHttpHeaders; ip?: string | undefined }> {
  return {
    open: (req) => openScope(hub, callerOf(req, options)),
    deny: noteDenials,
    close: closeScope,
  };
}
