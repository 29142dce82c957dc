import type { Hub, RequestContext } from './platform/context.js';
import { Memo } from './platform/context.js';
import { ANONYMOUS, type Principal } from './platform/auth/principal.js';
import { verifyToken } from './platform/auth/jwt.js';
import { UnauthenticatedError } from './platform/errors.js';
import { loadPrincipal } from './modules/principals/index.js';
import { abilityFor } from './policy.js';

/**
 * Who is calling, from the `Authorization` value (HTTP header, or `connectionParams` over
 * WebSocket). No value → ANONYMOUS (only public operations work). A value that is malformed,
 * expired, forged or names an unknown principal → UNAUTHENTICATED.
 */
export async function authenticate(hub: Hub, authorization: string | undefined): Promise<Principal> {
  if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
  const match = /^(\S+)\s+(\S+)$/.exec(authorization.trim());
  if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <token>"', 401);
  const [, scheme, credential] = match as unknown as [string, string, string];
  if (scheme.toLowerCase() !== 'bearer') throw new UnauthenticatedError(`Authorization scheme "${scheme}" is not supported; use Bearer`, 401);
  const claims = await verifyToken(hub.jwtSecret, credential);
  return loadPrincipal(hub.database.db, claims.sub, claims.exp);
}

export function createContext(hub: Hub, principal: Principal, purpose: string | undefined): RequestContext {
  return {
    hub,
    db: hub.database.db,
    principal,
    ability: abilityFor(principal),
    loaders: new Memo(hub.database.db),
    purpose,
  };
}
