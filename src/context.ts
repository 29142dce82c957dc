import type { ClientInfo, Hub, RequestContext } from './platform/context.js';
import { Memo } from './platform/context.js';
import { AccessLedger } from './platform/auth/ledger.js';
import { ANONYMOUS, type Principal } from './platform/auth/principal.js';
import { VerifiedTokens } from './platform/auth/jwt.js';
import { BearerTokens } from './platform/auth/bearer.js';
import { IssuerKeys } from './platform/auth/issuer-keys.js';
import { OidcTokens } from './platform/auth/oidc.js';
import { UnauthenticatedError } from './platform/errors.js';
import { loadPrincipal } from './modules/principals/index.js';
import { principalForApiKey } from './modules/apikeys/index.js';
import { accessCache, accessFor, type Access, type LiveAccess } from './access.js';
import { RequestReads } from './platform/db/replica.js';

type Credentials = { kind: 'none' } | { kind: 'apiKey'; key: string } | { kind: 'bearer'; token: string };

function credentialsOf(authorization: string | undefined, apiKey: string | undefined): Credentials {
  const auth = authorization?.trim() || undefined;
  const key = apiKey?.trim() || undefined;
  if (auth === undefined && key === undefined) return { kind: 'none' };
  if (auth !== undefined && key !== undefined) throw new UnauthenticatedError('Send one credential: Authorization or X-Api-Key, not both', 401);
  if (key !== undefined) return { kind: 'apiKey', key };
  const match = /^(\S+)\s+(\S+)$/.exec(auth as string);
  if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <token>" or "ApiKey <key>"', 401);
  const [, scheme, credential] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() === 'apikey') return { kind: 'apiKey', key: credential };
  if (scheme.toLowerCase() !== 'bearer') throw new UnauthenticatedError(`Authorization scheme "${scheme}" is not supported; use Bearer <token> or ApiKey <key>`, 401);
  return { kind: 'bearer', token: credential };
}

/**
 * Who is calling, from the `Authorization` value (HTTP header, or `connectionParams` over
 * WebSocket) — `Bearer <JWT>` for people, `ApiKey <key>` for adapters — or an adapter's key
 * alone in `X-Api-Key` (`connectionParams['x-api-key']`). No value → ANONYMOUS (only public
 * operations work). A value that is malformed, expired, forged, revoked or names an unknown
 * principal → UNAUTHENTICATED; so are both at once, rather than guessing which one counts.
 */
export async function authenticate(hub: Hub, authorization: string | undefined, apiKey?: string, db = hub.database.db): Promise<Principal> {
  const credentials = credentialsOf(authorization, apiKey);
  if (credentials.kind === 'none') return ANONYMOUS;
  if (credentials.kind === 'apiKey') return principalForApiKey(db, credentials.key);
  const token = await hub.singles.of(bearerTokens).verify(credentials.token);
  return { ...(await loadPrincipal(db, token.principalName, token.expiresAt)), credential: { kind: 'JWT', id: null } };
}

/** The identity provider's keys, one set per hub process; undefined without OIDC_ISSUER. */
export function issuerKeys(hub: Hub): IssuerKeys | undefined {
  const oidc = hub.config.oidc;
  return oidc ? new IssuerKeys({ issuer: oidc.issuer, clock: hub.clock, log: hub.log }) : undefined;
}

/** Bearer tokens as this hub's configuration accepts them: local ones unless LOCAL_TOKENS=off, the identity provider's with OIDC_ISSUER. */
function bearerTokens(hub: Hub): BearerTokens {
  const oidc = hub.config.oidc;
  const keys = hub.singles.of(issuerKeys);
  return new BearerTokens(hub.config.localTokens ? new VerifiedTokens(hub.jwtSecret) : undefined, oidc && keys ? new OidcTokens(oidc, keys, hub.clock) : undefined);
}

/**
 * An HTTP request's access. A bearer token's principal comes from the per-process
 * AccessCache (no query once it is warm; cleared by `accessChanged`); an API key is looked up
 * every time, so that its revocation holds at the next request.
 */
export async function requestAccess(hub: Hub, authorization: string | undefined, apiKey?: string): Promise<Access> {
  const credentials = credentialsOf(authorization, apiKey);
  if (credentials.kind === 'bearer') {
    const token = await hub.singles.of(bearerTokens).verify(credentials.token);
    return hub.singles.of(accessCache).forToken(token.principalName, token.expiresAt);
  }
  return accessFor(hub, await authenticate(hub, authorization, apiKey));
}

/**
 * A WebSocket connection's access, never waiting on the main pool (busy with ingests): a bearer
 * token's from the AccessCache (whose loads use `liveDb`), an API key's looked up on `liveDb`.
 */
export async function connectionAccess(hub: Hub, authorization: string | undefined, apiKey?: string): Promise<Access> {
  const credentials = credentialsOf(authorization, apiKey);
  if (credentials.kind === 'bearer') return requestAccess(hub, authorization, apiKey);
  const db = hub.database.liveDb;
  return accessFor(hub, await authenticate(hub, authorization, apiKey, db), db);
}

/** Why the caller reads personal data: the `x-purpose` header (or connection parameter), cut to 500 characters. */
export function purposeOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return [...value.trim()].slice(0, 500).join('');
}

/** The client of an HTTP request (express's `req.ip`, which honours TRUST_PROXY); undefined without one. */
export function clientOf(ip: string | undefined): ClientInfo | undefined {
  return ip ? { ip } : undefined;
}

/** An HTTP request's context: the access is fixed for the request. */
export function createContext(
  hub: Hub,
  access: Access,
  purpose: string | undefined,
  ledger: AccessLedger = new AccessLedger(),
  client: ClientInfo | undefined = undefined,
): RequestContext {
  return {
    hub,
    db: hub.database.db,
    reads: new RequestReads(hub.database.replica, hub.database.db, () => access.principal.name),
    principal: access.principal,
    ability: access.ability,
    loaders: new Memo(() => hub.database.db),
    client,
    purpose,
    ledger,
    actingAs: actingAs(hub, purpose, ledger, client),
  };
}

/** A context for a principal proven inside the operation; it shares the request's ledger and client. */
function actingAs(hub: Hub, purpose: string | undefined, ledger: AccessLedger, client: ClientInfo | undefined): (principal: Principal) => Promise<RequestContext> {
  return async (principal) => createContext(hub, await accessFor(hub, principal), purpose, ledger, client);
}

/** A WebSocket operation's context: the ability follows the connection's grants as they change. */
export function createLiveContext(
  hub: Hub,
  live: LiveAccess,
  purpose: string | undefined,
  closeConnection?: (code: number, reason: string) => void,
  client?: ClientInfo,
  announceLive?: (payload: Record<string, unknown>) => void,
): RequestContext {
  const ledger = new AccessLedger();
  return {
    hub,
    db: hub.database.db,
    // On a WebSocket every read stays on the primary: a live feed resumes from the primary's
    // live log, and a connection's queries are read in the order of its events.
    reads: new RequestReads(hub.database.replica, hub.database.db, () => live.current.principal.name, true),
    get principal() {
      return live.current.principal;
    },
    get ability() {
      return live.current.ability;
    },
    loaders: new Memo(() => hub.database.db),
    client,
    purpose,
    ledger,
    onAccessChange: (listener) => live.onChange(listener),
    ...(closeConnection ? { closeConnection } : {}),
    ...(announceLive ? { announceLive } : {}),
    actingAs: actingAs(hub, purpose, ledger, client),
  };
}
