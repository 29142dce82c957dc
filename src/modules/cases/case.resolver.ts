import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../platform/context.js';
import { subject } from '../../platform/auth/ability.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { selectedNames } from '../../platform/graphql/lookahead.js';
import { PURPOSE_ARG } from '../../platform/privacy/personal.js';
import { Unit, unitOf } from '../units/index.js';
import { Alert } from '../alerts/index.js';
import { GeoPoint } from '../devices/index.js';
import { ResidentRequest } from '../requests/index.js';
import { PatrolFinding, createPatrolLoaders } from '../patrols/index.js';
import { IngestReport } from '../ingest/index.js';
import { Case, CaseAction, CaseConnection, CaseHistoryEntry } from './case.type.js';
import { CaseChangedFilter, CaseFilter, IngestCasesInput, OpenCaseInput } from './case.input.js';
import type { CaseActionName } from './case.workflow.js';
import { actionsFor, caseHistoryAsSeen, caseLocation, caseSubject, caseText, isOverdue, maskedCaseFields, personalCaseField, toCaseKey } from './case.model.js';
import { getCase, joinedCaseLinks, listCases } from './case.read.js';
import { openCase, transitionCase } from './case.command.js';
import { ingestCases } from './case.ingest.js';
import { createCaseLoaders } from './case.loader.js';
import { createCaseHistoryLoader } from './case.history.js';
import { caseLive } from './case.live.js';

/** A linked case, when the caller may read it. */
function visible(ctx: RequestContext, c: Case | null): Case | null {
  return c && ctx.ability.can('read', caseSubject(c)) ? c : null;
}

@Resolver(() => Case)
export class CaseResolver {
  @Query(() => CaseConnection, { description: 'Cases the caller may see (where they happened, or assigned to a unit within yours), newest first.' })
  async cases(
    @Arg('filter', () => CaseFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: CaseFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<InstanceType<typeof CaseConnection>> {
    ctx.ledger.statePurpose(purpose);
    const node = selectedNames(info, ['edges', 'node']);
    const history = node.has('history');
    const include = { unit: node.has('unit'), assignee: node.has('assignee'), history, node, historyFields: history ? selectedNames(info, ['edges', 'node', 'history']) : undefined };
    return new CaseConnection(await listCases(ctx, filter, page, include), toCaseKey);
  }

  @Query(() => Case, { description: 'One case; NOT_FOUND when it does not exist or lies outside your scope.' })
  case(@Arg('id', () => ID, { description: "The case's id." }) id: string, @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined, @Ctx() ctx: RequestContext): Promise<Case> {
    ctx.ledger.statePurpose(purpose);
    return getCase(ctx, id);
  }

  @Mutation(() => Case, { description: 'Officers (within their unit) and grid workers (in their grid): open a case from an alert, a resident request, a patrol finding, or by hand.' })
  openCase(@Arg('input', () => OpenCaseInput, { description: 'What to open it from, and what to override.' }) input: OpenCaseInput, @Ctx() ctx: RequestContext): Promise<Case> {
    return openCase(ctx, input);
  }

  @Mutation(() => Case, {
    description: 'Move a case by one action. CONFLICT (extensions.allowedActions) when the action is not allowed in its state for your role, or the case changed since expectedVersion.',
  })
  transitionCase(
    @Arg('id', () => ID, { description: "The case's id." }) id: string,
    @Arg('action', () => CaseAction, { description: 'What to do; the case\'s allowedActions lists what you may.' }) action: CaseActionName,
    @Arg('note', () => String, { nullable: true, description: 'Written to the history entry.' }) note: string | undefined,
    @Arg('assigneeUnitCode', () => String, { nullable: true, description: 'DISPATCH: the unit that handles it next (within your unit).' }) assigneeUnitCode: string | undefined,
    @Arg('expectedVersion', () => Int, { nullable: true, description: 'The version you read; CONFLICT if the case changed since.' }) expectedVersion: number | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Case> {
    return transitionCase(ctx, { id, action, note: note ?? null, assigneeUnitCode: assigneeUnitCode ?? null, expectedVersion: expectedVersion ?? null });
  }

  @Mutation(() => IngestReport, { description: 'Adapters: push up to 1,000 work orders from another system (EXTERNAL cases); one result per record.' })
  ingestCases(@Arg('input', () => IngestCasesInput, { description: 'The source and its records.' }) input: IngestCasesInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestCases(ctx, input);
  }

  @Subscription(() => Case, {
    description: 'Cases as they are opened, moved or escalated, within your scope (where they happened or are assigned) and the filter.',
    subscribe: ({ args, context }) => (context as RequestContext).hub.singles.of(caseLive).subscribe(context as RequestContext, (args as { filter?: CaseChangedFilter }).filter, (args as { after?: string }).after),
  })
  caseChanged(@Root() c: Case, @Arg('filter', () => CaseChangedFilter, { nullable: true, description: 'Only cases matching this filter.' }) _filter: CaseChangedFilter | undefined, @Arg('after', () => String, { nullable: true, description: 'Start after this cursor (an event\'s `cursor`, or the "live now" ping\'s): the records committed since are replayed first, each once, then live ones (docs/api/live.md).' }) _after: string | undefined): Case {
    return c;
  }

  @FieldResolver(() => Boolean, { description: 'Past its deadline in a state where the SLA runs.' })
  overdue(@Root() c: Case, @Ctx() ctx: RequestContext): boolean {
    return isOverdue(c, ctx.hub.clock.now());
  }

  @FieldResolver(() => [CaseAction], { description: 'What you may do with it now (transitionCase).' })
  allowedActions(@Root() c: Case, @Ctx() ctx: RequestContext): CaseActionName[] {
    return actionsFor(ctx, c);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: masked (`张*`) unless you work at the community or grid where it happened (or a grant names it).' })
  reporterName(@Root() c: Case, @Ctx() ctx: RequestContext): string | null {
    return personalCaseField(ctx, c, 'reporterName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: masked (`138****1234`) unless you work at the community or grid where it happened (or a grant names it).' })
  reporterPhone(@Root() c: Case, @Ctx() ctx: RequestContext): string | null {
    return personalCaseField(ctx, c, 'reporterPhone');
  }

  @FieldResolver(() => String, { description: 'Phone and ID numbers in it are masked (`138****1234`) unless you see its reporter in full.' })
  title(@Root() c: Case, @Ctx() ctx: RequestContext): string {
    return caseText(ctx, c, 'title');
  }

  @FieldResolver(() => String, { description: 'Phone and ID numbers in it are masked (`138****1234`) unless you see its reporter in full.' })
  description(@Root() c: Case, @Ctx() ctx: RequestContext): string {
    return caseText(ctx, c, 'description');
  }

  @FieldResolver(() => GeoPoint, { nullable: true, description: 'Where it is; for a case with a reporter (or from a resident request) rounded to about 100 m unless you see its reporter in full.' })
  location(@Root() c: Case, @Ctx() ctx: RequestContext): GeoPoint | null {
    return caseLocation(ctx, c);
  }

  @FieldResolver(() => [String], { description: 'The personal fields of this case that you see masked (those that hold a value).' })
  maskedFields(@Root() c: Case, @Ctx() ctx: RequestContext): string[] {
    return maskedCaseFields(ctx, c);
  }

  // These three answer at once, without a promise, when the case's page read the link.
  @FieldResolver(() => Unit, { description: 'Where it happened.' })
  unit(@Root() c: Case, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, c.unitCode, joinedCaseLinks(c)?.unit);
  }

  @FieldResolver(() => Unit, { description: 'The unit handling it now (dispatch and escalation move it).' })
  assignee(@Root() c: Case, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, c.assigneeCode, joinedCaseLinks(c)?.assignee);
  }

  @FieldResolver(() => [CaseHistoryEntry], { description: 'Every change, oldest first.' })
  history(@Root() c: Case, @Ctx() ctx: RequestContext): CaseHistoryEntry[] | Promise<CaseHistoryEntry[]> {
    const joined = joinedCaseLinks(c)?.history;
    if (joined) return caseHistoryAsSeen(ctx, c, joined);
    return ctx.loaders.of(createCaseHistoryLoader).load(c.id).then((entries) => caseHistoryAsSeen(ctx, c, entries));
  }

  @FieldResolver(() => Alert, { nullable: true, description: 'The alert it was opened from, when you may read it.' })
  async alert(@Root() c: Case, @Ctx() ctx: RequestContext): Promise<Alert | null> {
    if (c.origin.kind !== 'ALERT' || !c.origin.recordId) return null;
    const alert = await ctx.loaders.of(createCaseLoaders).alertById.load(c.origin.recordId);
    return alert && ctx.ability.can('read', subject('Alert', { ...alert })) ? alert : null;
  }

  @FieldResolver(() => ResidentRequest, { nullable: true, description: 'The resident request it was opened from, when you may read it.' })
  async request(@Root() c: Case, @Ctx() ctx: RequestContext): Promise<ResidentRequest | null> {
    if (c.origin.kind !== 'RESIDENT_REQUEST' || !c.origin.recordId) return null;
    const request = await ctx.loaders.of(createCaseLoaders).requestById.load(c.origin.recordId);
    return request && ctx.ability.can('read', subject('ResidentRequest', { id: request.id, unitPath: request.unitPath, type: request.category, status: request.status })) ? request : null;
  }

  @FieldResolver(() => PatrolFinding, { nullable: true, description: 'The patrol finding it was opened from, when you may read it.' })
  async finding(@Root() c: Case, @Ctx() ctx: RequestContext): Promise<PatrolFinding | null> {
    if (c.origin.kind !== 'PATROL_FINDING' || !c.origin.recordId) return null;
    const finding = await ctx.loaders.of(createPatrolLoaders).findingById.load(c.origin.recordId);
    return finding && ctx.ability.can('read', subject('PatrolReport', { unitPath: finding.unitPath })) ? finding : null;
  }
}

@Resolver(() => ResidentRequest)
export class ResidentRequestCaseResolver {
  @FieldResolver(() => Case, { nullable: true, description: 'The case opened from this request, when there is one and you may read it.' })
  async case(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): Promise<Case | null> {
    return visible(ctx, await ctx.loaders.of(createCaseLoaders).caseByOrigin.load(`RESIDENT_REQUEST:${request.id}`));
  }
}

@Resolver(() => PatrolFinding)
export class PatrolFindingCaseResolver {
  @FieldResolver(() => Case, { nullable: true, description: 'The case opened from this finding, when there is one and you may read it.' })
  async case(@Root() finding: PatrolFinding, @Ctx() ctx: RequestContext): Promise<Case | null> {
    if (!finding.caseId) return null;
    return visible(ctx, await ctx.loaders.of(createCaseLoaders).caseById.load(finding.caseId));
  }
}

@Resolver(() => Alert)
export class AlertCaseResolver {
  @FieldResolver(() => Case, { nullable: true, description: 'The case opened from this alert, when there is one and you may read it.' })
  async case(@Root() alert: Alert, @Ctx() ctx: RequestContext): Promise<Case | null> {
    return visible(ctx, await ctx.loaders.of(createCaseLoaders).caseByOrigin.load(`ALERT:${alert.id}`));
  }
}
