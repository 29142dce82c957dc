import 'reflect-metadata';
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { requireCan } from '../../platform/auth/guard.js';
import type { Tier as TierName } from '../../platform/auth/scope.js';
import { NotFoundError } from '../../platform/errors.js';
import { Tier, Unit } from './unit.type.js';
import { listUnits } from './unit.service.js';
import { createUnitLoaders } from './unit.loader.js';

@Resolver(() => Unit)
export class UnitResolver {
  @Query(() => Unit, { description: 'One unit by code; NOT_FOUND when there is none. A retired code still answers, with retiredAt and successor.' })
  async unit(@Arg('code', () => String, { description: "The unit's code." }) code: string, @Ctx() ctx: RequestContext): Promise<Unit> {
    requireCan(ctx, 'read', 'Unit');
    const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(code);
    if (!unit) throw new NotFoundError('Unit', code);
    return unit;
  }

  @Query(() => [Unit], { description: 'Units under a parent and/or of a tier, by code.' })
  units(
    @Arg('parentCode', () => String, { nullable: true, description: 'Only the children of this unit.' }) parentCode: string | undefined,
    @Arg('tier', () => Tier, { nullable: true, description: 'Only units of this tier.' }) tier: TierName | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Unit[]> {
    requireCan(ctx, 'read', 'Unit');
    return listUnits(ctx.db, parentCode ?? undefined, tier ?? undefined);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'The unit one tier up; null for the city.' })
  parent(@Root() unit: Unit, @Ctx() ctx: RequestContext): Promise<Unit | null> {
    return unit.parentCode ? ctx.loaders.of(createUnitLoaders).unitByCode.load(unit.parentCode) : Promise.resolve(null);
  }

  @FieldResolver(() => Unit, { nullable: true, description: 'A retired unit: the unit it was merged into (its children and records went there).' })
  successor(@Root() unit: Unit, @Ctx() ctx: RequestContext): Promise<Unit | null> {
    return unit.successorCode ? ctx.loaders.of(createUnitLoaders).unitByCode.load(unit.successorCode) : Promise.resolve(null);
  }

  @FieldResolver(() => [Unit], { description: 'The units one tier down.' })
  children(@Root() unit: Unit, @Ctx() ctx: RequestContext): Promise<Unit[]> {
    return ctx.loaders.of(createUnitLoaders).childrenOf.load(unit.code);
  }
}
