import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, unitOf } from '../units/index.js';
import { IngestReport } from '../ingest/index.js';
import { PatrolFinding, PatrolReport, PatrolReportConnection } from './patrol.type.js';
import { FilePatrolReportInput, IngestPatrolReportsInput, PatrolReportFilter } from './patrol.input.js';
import { filePatrolReport, getPatrolReport, ingestPatrolReports, listPatrolReports, toPatrolKey } from './patrol.service.js';
import { createPatrolLoaders } from './patrol.loader.js';

@Resolver(() => PatrolReport)
export class PatrolReportResolver {
  @Query(() => PatrolReportConnection, { description: 'Patrol reports the caller may see, newest first (by startedAt).' })
  async patrolReports(
    @Arg('filter', () => PatrolReportFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: PatrolReportFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof PatrolReportConnection>> {
    return new PatrolReportConnection(await listPatrolReports(ctx, filter, page), toPatrolKey);
  }

  @Query(() => PatrolReport, { description: 'One patrol report; NOT_FOUND when it does not exist or lies outside your scope.' })
  patrolReport(@Arg('id', () => ID, { description: "The report's id." }) id: string, @Ctx() ctx: RequestContext): Promise<PatrolReport> {
    return getPatrolReport(ctx, id);
  }

  @Mutation(() => PatrolReport, { description: 'Grid workers (for their grid) and officers (for grids within their unit): file a patrol report with its findings.' })
  filePatrolReport(@Arg('input', () => FilePatrolReportInput, { description: 'The report and its findings.' }) input: FilePatrolReportInput, @Ctx() ctx: RequestContext): Promise<PatrolReport> {
    return filePatrolReport(ctx, input);
  }

  @Mutation(() => IngestReport, { description: 'Adapters: push up to 1,000 patrol reports from a grid-management system; one result per record.' })
  ingestPatrolReports(@Arg('input', () => IngestPatrolReportsInput, { description: 'The source and its records.' }) input: IngestPatrolReportsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestPatrolReports(ctx, input);
  }

  @FieldResolver(() => Unit, { description: 'The grid patrolled.' })
  unit(@Root() report: PatrolReport, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, report.unitCode);
  }

  @FieldResolver(() => [PatrolFinding], { description: 'What was found, in the order filed.' })
  findings(@Root() report: PatrolReport, @Ctx() ctx: RequestContext): Promise<PatrolFinding[]> {
    return ctx.loaders.of(createPatrolLoaders).findingsOfReport.load(report.id);
  }
}

@Resolver(() => PatrolFinding)
export class PatrolFindingResolver {
  @FieldResolver(() => Unit, { description: 'The unit it was found in.' })
  unit(@Root() finding: PatrolFinding, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, finding.unitCode);
  }
}
