import 'reflect-metadata';
import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { requirePrincipal } from '../../platform/auth/guard.js';
import { Me } from './principal.type.js';
import { describePrincipal } from './principal.service.js';

@Resolver(() => Me)
export class PrincipalResolver {
  @Query(() => Me, { description: 'Who the caller is: name, kind, roles, unit and department.' })
  me(@Ctx() ctx: RequestContext): Promise<Me> {
    return describePrincipal(ctx.db, requirePrincipal(ctx));
  }
}
