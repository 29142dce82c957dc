import 'reflect-metadata';
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { RequestContext } from '../../platform/context.js';
import type { StatsGroupName, StatsKindName } from './stats.kinds.js';
import { CaseKpis, Stats, StatsGroup, StatsKind } from './stats.type.js';
import { caseKpisFor } from './stats.kpis.js';
import { statsFor } from './stats.service.js';

@Resolver(() => Stats)
export class StatsResolver {
  @Query(() => Stats, {
    description:
      'Counts for the command-centre screen: records of `kind` within the unit, time in [from, to), grouped by any combination of keys. Only what you may read is counted (the same rules as the lists); NOT_FOUND for a unit outside your scope.',
  })
  stats(
    @Arg('unitCode', () => String, { description: 'The unit to count within (yours or below).' }) unitCode: string,
    @Arg('kind', () => StatsKind, { description: 'What to count.' }) kind: StatsKindName,
    @Arg('from', () => DateTimeResolver, { nullable: true, description: 'At or after; omitted: no lower bound.' }) from: Date | null | undefined,
    @Arg('to', () => DateTimeResolver, { nullable: true, description: 'Before; omitted: no upper bound.' }) to: Date | null | undefined,
    @Arg('groupBy', () => [StatsGroup], { defaultValue: [], description: 'The keys to group by; none: one total.' }) groupBy: StatsGroupName[],
    @Ctx() ctx: RequestContext,
  ): Promise<Stats> {
    return statsFor(ctx, { unitCode, kind, from: from ?? null, to: to ?? null, groupBy });
  }

  @Query(() => CaseKpis, {
    description: 'Case KPIs (GB/T 30428 综合评价) of a unit and of each of its children over [from, to): on-time closure rate, average handling time, overdue count, reopen rate, satisfaction.',
  })
  caseKpis(
    @Arg('unitCode', () => String, { description: 'The unit (yours or below).' }) unitCode: string,
    @Arg('from', () => DateTimeResolver, { description: 'The start of the period (inclusive).' }) from: Date,
    @Arg('to', () => DateTimeResolver, { description: 'The end of the period (exclusive).' }) to: Date,
    @Ctx() ctx: RequestContext,
  ): Promise<CaseKpis> {
    return caseKpisFor(ctx, unitCode, from, to);
  }
}
