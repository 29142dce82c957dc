import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, createUnitLoaders } from '../units/index.js';
import { IngestReport } from '../ingest/index.js';
import { PatrolFinding, PatrolReport, PatrolReportConnection } from './patrol.type.js';
import { FilePatrolReportInput, IngestPatrolReportsInput, PatrolReportFilter } from './patrol.input.js';
import { filePatrolReport, getPatrolReport, ingestPatrolReports, listPatrolReports, toPatrolKey } from './patrol.service.js';
import { createPatrolLoaders } from './patrol.loader.js';

async function unitOf(ctx: RequestContext, code: string): Promise<Unit> {
  const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(code);
  if (!unit) throw new Error(`unit ${code} does not exist`);
  return unit;
}

@Resolver(() => PatrolReport)
export class PatrolReportResolver {
  @Query(() => PatrolReportConnection, { description: 'Patrol reports the caller may see, newest first (by startedAt).' })
  async patrolReports(
    @Arg('filter', () => PatrolReportFilter, { nullable: true }) filter: PatrolReportFilter | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof PatrolReportConnection>> {
    return new PatrolReportConnection(await listPatrolReports(ctx, filter, first, after), toPatrolKey);
  }

  @Query(() => PatrolReport, { description: 'One patrol report; NOT_FOUND when it does not exist or lies outside your scope.' })
  patrolReport(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<PatrolReport> {
    return getPatrolReport(ctx, id);
  }

  @Mutation(() => PatrolReport, { description: 'Grid workers (for their grid) and officers (for grids within their unit): file a patrol report with its findings.' })
  filePatrolReport(@Arg('input', () => FilePatrolReportInput) input: FilePatrolReportInput, @Ctx() ctx: RequestContext): Promise<PatrolReport> {
    return filePatrolReport(ctx, input);
  }

  @Mutation(() => IngestReport, { description: 'Adapters: push up to 1,000 patrol reports from a grid-management system; one result per record.' })
  ingestPatrolReports(@Arg('input', () => IngestPatrolReportsInput) input: IngestPatrolReportsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestPatrolReports(ctx, input);
  }

  @FieldResolver(() => Unit, { description: 'The grid patrolled.' })
  unit(@Root() report: PatrolReport, @Ctx() ctx: RequestContext): Promise<Unit> {
    return unitOf(ctx, report.unitCode);
  }

  @FieldResolver(() => [PatrolFinding])
  findings(@Root() report: PatrolReport, @Ctx() ctx: RequestContext): Promise<PatrolFinding[]> {
    return ctx.loaders.of(createPatrolLoaders).findingsOfReport.load(report.id);
  }
}

@Resolver(() => PatrolFinding)
export class PatrolFindingResolver {
  @FieldResolver(() => Unit)
  unit(@Root() finding: PatrolFinding, @Ctx() ctx: RequestContext): Promise<Unit> {
    return unitOf(ctx, finding.unitCode);
  }
}
