import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { requirePrincipal } from '../../platform/auth/guard.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, unitOf } from '../units/index.js';
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
    @Arg('unitCode', () => String, { description: 'The unit to report on (yours or below).' }) unitCode: string,
    @Arg('period', () => ReportPeriodInput, { description: 'The period to cover.' }) period: ReportPeriodInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Report> {
    return generateReport(ctx, unitCode, period);
  }

  @Query(() => ReportConnection, { description: 'Analysis reports the caller may read (its unit’s tree: below and above; grants of kind REPORT), newest period first.' })
  async reports(
    @Arg('filter', () => ReportFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: ReportFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ReportConnection>> {
    return new ReportConnection(await listReports(ctx, filter, page), toReportKey);
  }

  @Query(() => Report, { description: 'One analysis report; NOT_FOUND when it does not exist or lies outside your scope.' })
  report(@Arg('id', () => ID, { description: "The report's id." }) id: string, @Ctx() ctx: RequestContext): Promise<Report> {
    return getReport(ctx, id);
  }

  @FieldResolver(() => Unit, { description: 'The unit the report is about.' })
  unit(@Root() report: Report, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, report.unitCode);
  }

  @FieldResolver(() => String, {
    description: `The printable page, relative to the hub's address: \`/reports/<id>?access_token=…\`. The link works for you only, for this report only, for ${LINK_TTL_SECONDS / 60} minutes; it opens nothing else.`,
  })
  printUrl(@Root() report: Report, @Ctx() ctx: RequestContext): Promise<string> {
    const principal = requirePrincipal(ctx);
    return signReportLink(ctx.hub, principal.name, report.id).then((token) => `/reports/${report.id}?access_token=${token}`);
  }
}
