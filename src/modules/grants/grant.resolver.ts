import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, createUnitLoaders, unitOf } from '../units/index.js';
import { Grant, GrantConnection } from './grant.type.js';
import { GrantAccessInput, GrantFilter } from './grant.input.js';
import { grantAccess, listGrants, revokeAccess, toGrantKey } from './grant.service.js';

@Resolver(() => Grant)
export class GrantResolver {
  @Query(() => GrantConnection, { description: 'Sharing grants you manage (admins), audit (auditors) or receive, newest first.' })
  async grants(
    @Arg('filter', () => GrantFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: GrantFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof GrantConnection>> {
    return new GrantConnection(await listGrants(ctx, filter, page), toGrantKey);
  }

  @Mutation(() => Grant, { description: 'Admins: share records of a kind within your unit with a unit or a department, until a date.' })
  grantAccess(@Arg('input', () => GrantAccessInput, { description: 'The grant.' }) input: GrantAccessInput, @Ctx() ctx: RequestContext): Promise<Grant> {
    return grantAccess(ctx, input);
  }

  @Mutation(() => Grant, { description: 'Admins: end a grant at once, on every hub process and open subscription.' })
  revokeAccess(@Arg('id', () => ID, { description: "The grant's id." }) id: string, @Ctx() ctx: RequestContext): Promise<Grant> {
    return revokeAccess(ctx, id);
  }

  @FieldResolver(() => Unit, { description: 'The unit whose records it shares (and those below).' })
  withinUnit(@Root() grant: Grant, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, grant.withinUnitCode);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit granted to, when a unit is.' })
  granteeUnit(@Root() grant: Grant, @Ctx() ctx: RequestContext): Promise<Unit | null> {
    return grant.granteeUnitCode ? ctx.loaders.of(createUnitLoaders).unitByCode.load(grant.granteeUnitCode) : Promise.resolve(null);
  }
}
