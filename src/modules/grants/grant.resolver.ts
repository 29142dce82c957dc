import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, createUnitLoaders } from '../units/index.js';
import { Grant, GrantConnection } from './grant.type.js';
import { GrantAccessInput, GrantFilter } from './grant.input.js';
import { grantAccess, listGrants, revokeAccess, toGrantKey } from './grant.service.js';

@Resolver(() => Grant)
export class GrantResolver {
  @Query(() => GrantConnection, { description: 'Sharing grants you manage (admins), audit (auditors) or receive, newest first.' })
  async grants(
    @Arg('filter', () => GrantFilter, { nullable: true }) filter: GrantFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof GrantConnection>> {
    return new GrantConnection(await listGrants(ctx, filter, first, after), toGrantKey);
  }

  @Mutation(() => Grant, { description: 'Admins: share records of a kind within your unit with a unit or a department, until a date.' })
  grantAccess(@Arg('input', () => GrantAccessInput) input: GrantAccessInput, @Ctx() ctx: RequestContext): Promise<Grant> {
    return grantAccess(ctx, input);
  }

  @Mutation(() => Grant, { description: 'Admins: end a grant at once, on every hub process and open subscription.' })
  revokeAccess(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Grant> {
    return revokeAccess(ctx, id);
  }

  @FieldResolver(() => Unit)
  async withinUnit(@Root() grant: Grant, @Ctx() ctx: RequestContext): Promise<Unit> {
    const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(grant.withinUnitCode);
    if (!unit) throw new Error(`grant ${grant.id} names unit ${grant.withinUnitCode}, which does not exist`);
    return unit;
  }

  @FieldResolver(() => Unit, { nullable: true })
  granteeUnit(@Root() grant: Grant, @Ctx() ctx: RequestContext): Promise<Unit | null> {
    return grant.granteeUnitCode ? ctx.loaders.of(createUnitLoaders).unitByCode.load(grant.granteeUnitCode) : Promise.resolve(null);
  }
}
