import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../../platform/context.js';
import { PURPOSE_ARG } from '../../platform/privacy/personal.js';
import { JSONObjectResolver } from 'graphql-scalars';
import { GeoPoint } from '../devices/index.js';
import { alertLocation, alertPayload } from './alert.personal.js';
import { subject } from '../../platform/auth/ability.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { selectedNames } from '../../platform/graphql/lookahead.js';
import { Unit, unitOf } from '../units/index.js';
import { Device, createDeviceLoaders } from '../devices/index.js';
import { IngestReport } from '../ingest/index.js';
import { Alert, AlertConnection, AlertCount, AlertCountKey, type AlertCountKeyName } from './alert.type.js';
import { AlertFilter, IngestAlertsInput } from './alert.input.js';
import { acknowledgeAlert, countAlerts, getAlert, ingestAlerts, joinedDevice, joinedUnit, listAlerts, toAlertKey } from './alert.service.js';
import { alertLive } from './alert.live.js';

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => AlertConnection, { description: 'Alerts the caller may see, newest first.' })
  async alerts(
    @Arg('filter', () => AlertFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: AlertFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<InstanceType<typeof AlertConnection>> {
    ctx.ledger.statePurpose(purpose);
    const node = selectedNames(info, ['edges', 'node']);
    const include = { unit: node.has('unit'), device: node.has('device'), node, deviceFields: node.has('device') ? selectedNames(info, ['edges', 'node', 'device']) : undefined };
    return new AlertConnection(await listAlerts(ctx, filter, page, include), toAlertKey);
  }

  @Query(() => [AlertCount], {
    description:
      'How many alerts you may see match the filter, grouped by the keys named (none: one total). CHILD_UNIT needs a unit above the grid tier (filter.unitCode, or your own unit); DAY is the day in China Standard Time. At most 10,000 groups.',
  })
  alertCounts(
    @Arg('filter', () => AlertFilter, { nullable: true, description: 'Which alerts to count; never widens your scope.' }) filter: AlertFilter | undefined,
    @Arg('groupBy', () => [AlertCountKey], { description: 'The keys to group by; none: one total.' }) groupBy: AlertCountKeyName[],
    @Ctx() ctx: RequestContext,
  ): Promise<AlertCount[]> {
    return countAlerts(ctx, filter, groupBy);
  }

  @Query(() => Alert, { description: 'One alert; NOT_FOUND when it does not exist or lies outside your scope.' })
  alert(@Arg('id', () => ID, { description: "The alert's id." }) id: string, @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined, @Ctx() ctx: RequestContext): Promise<Alert> {
    ctx.ledger.statePurpose(purpose);
    return getAlert(ctx, id);
  }

  @Mutation(() => IngestReport, { description: 'Adapters: push up to 1,000 alerts; one result per record.' })
  ingestAlerts(@Arg('input', () => IngestAlertsInput, { description: 'The source and its records.' }) input: IngestAlertsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestAlerts(ctx, input);
  }

  @Mutation(() => Alert, { description: 'Officers and admins: take an OPEN alert within your unit in hand.' })
  acknowledgeAlert(@Arg('id', () => ID, { description: "The alert's id." }) id: string, @Ctx() ctx: RequestContext): Promise<Alert> {
    return acknowledgeAlert(ctx, id);
  }

  @Subscription(() => Alert, {
    description: 'Alerts as they are committed, within your scope and the filter.',
    subscribe: ({ args, context }) => (context as RequestContext).hub.singles.of(alertLive).subscribe(context as RequestContext, (args as { filter?: AlertFilter }).filter, (args as { after?: string }).after),
  })
  alertRaised(@Root() alert: Alert, @Arg('filter', () => AlertFilter, { nullable: true, description: 'Only alerts matching this filter.' }) _filter: AlertFilter | undefined, @Arg('after', () => String, { nullable: true, description: 'Start after this cursor (an event\'s `cursor`, or the "live now" ping\'s): the records committed since are replayed first, each once, then live ones (docs/api/live.md).' }) _after: string | undefined): Alert {
    return alert;
  }

  @FieldResolver(() => Boolean, { description: 'Whether you may acknowledge it now (acknowledgeAlert): it is OPEN and within a unit where you may.' })
  canAcknowledge(@Root() alert: Alert, @Ctx() ctx: RequestContext): boolean {
    return alert.status === 'OPEN' && ctx.ability.can('acknowledge', subject('Alert', { ...alert }));
  }

  @FieldResolver(() => JSONObjectResolver, { description: 'Whatever else the source sent; its personal keys (declared per alert type) and phone and ID numbers in it masked unless you see the alert\'s personal data in full.' })
  payload(@Root() alert: Alert, @Ctx() ctx: RequestContext): Record<string, unknown> {
    return alertPayload(ctx, alert);
  }

  @FieldResolver(() => GeoPoint, { nullable: true, description: "Where it was raised; an elderly resident's alarm rounded to about 100 m unless you see its personal data in full." })
  location(@Root() alert: Alert, @Ctx() ctx: RequestContext): GeoPoint | null {
    return alertLocation(ctx, alert);
  }

  // Both answer at once, without a promise, when the alert's page read the link (joinedUnit,
  // joinedDevice); otherwise through the request's loaders.
  @FieldResolver(() => Unit, { description: 'The unit it was raised in.' })
  unit(@Root() alert: Alert, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, alert.unitCode, joinedUnit(alert));
  }

  @FieldResolver(() => Device, { nullable: true, description: 'The device that raised it, when registered and visible to you.' })
  device(@Root() alert: Alert, @Ctx() ctx: RequestContext): Device | null | Promise<Device | null> {
    if (!alert.deviceId) return null;
    const joined = joinedDevice(alert);
    if (joined !== undefined) return readableDevice(ctx, joined);
    return ctx.loaders.of(createDeviceLoaders).deviceById.load(alert.deviceId).then((device) => readableDevice(ctx, device));
  }
}

/** The alert's device, when the caller may read it. */
function readableDevice(ctx: RequestContext, device: Device | null): Device | null {
  return device && ctx.ability.can('read', subject('Device', { ...device })) ? device : null;
}
