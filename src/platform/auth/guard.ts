import type { RequestContext } from '../context.js';
import type { Principal } from './principal.js';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';

/** The caller, or UNAUTHENTICATED when it sent no credentials. */
export function requirePrincipal(ctx: RequestContext): Principal {
  if (ctx.principal.kind === 'ANONYMOUS') throw new UnauthenticatedError();
  return ctx.principal;
}

/** Checks a type-level permission: may this principal `action` any `subject` at all? */
export function requireCan(ctx: RequestContext, action: string, subject: string): void {
  requirePrincipal(ctx);
  if (!ctx.ability.can(action, subject)) throw new ForbiddenError(action, subject);
}
