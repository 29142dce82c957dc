import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { requirePrincipal } from '../../platform/auth/guard.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, createUnitLoaders } from '../units/index.js';
import { Report, ReportConnection } from './report.type.js';
import { ReportFilter, ReportPeriodInput } from './report.input.js';
import { generateReport, getReport, listReports, toReportKey } from './report.service.js';
import { LINK_TTL_SECONDS, signReportLink } from './report.link.js';

@Resolver(() => Report)
export class ReportResolver {
  @Mutation(() => Report, {
    description:
      'Generates the analysis report of a unit for an ended period, or answers the one already stored for that unit and period (idempotent). Officers and admins at or above the unit.',
  })
  generateReport(
    @Arg('unitCode', () => String) unitCode: string,
    @Arg('period', () => ReportPeriodInput) period: ReportPeriodInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Report> {
    return generateReport(ctx, unitCode, period);
  }

  @Query(() => ReportConnection, { description: 'Analysis reports the caller may read (its unit’s tree: below and above; grants of kind REPORT), newest period first.' })
  async reports(
    @Arg('filter', () => ReportFilter, { nullable: true }) filter: ReportFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ReportConnection>> {
    return new ReportConnection(await listReports(ctx, filter, first, after), toReportKey);
  }

  @Query(() => Report, { description: 'One analysis report; NOT_FOUND when it does not exist or lies outside your scope.' })
  report(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Report> {
    return getReport(ctx, id);
  }

  @FieldResolver(() => Unit, { description: 'The unit the report is about.' })
  async unit(@Root() report: Report, @Ctx() ctx: RequestContext): Promise<Unit> {
    const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(report.unitCode);
    if (!unit) throw new Error(`report ${report.id} has unit ${report.unitCode}, which does not exist`);
    return unit;
  }

  @FieldResolver(() => String, {
    description: `The printable page, relative to the hub's address: \`/reports/<id>?access_token=…\`. The link works for you only, for this report only, for ${LINK_TTL_SECONDS / 60} minutes; it opens nothing else.`,
  })
  printUrl(@Root() report: Report, @Ctx() ctx: RequestContext): Promise<string> {
    const principal = requirePrincipal(ctx);
    return signReportLink(ctx.hub, principal.name, report.id).then((token) => `/reports/${report.id}?access_token=${token}`);
  }
}
