import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { maskedFields, personalPoint, personalValue, PURPOSE_ARG } from '../../platform/privacy/personal.js';
import { Unit, unitOf } from '../units/index.js';
import { IngestReport } from '../ingest/index.js';
import { Device, DeviceConnection, GeoPoint, HeartbeatDefault } from './device.type.js';
import { DeviceFilter, HeartbeatDevicesInput, IngestDevicesInput } from './device.input.js';
import { heartbeatDevices, ingestDevices } from './device.ingest.js';
import { deviceLive } from './device.live.js';
import { DEVICE_TYPES, HEARTBEAT_INTERVAL_SECONDS } from './device.table.js';
import { getDevice, listDevices, silentDevices, toDeviceKey } from './device.service.js';
import { DEVICE_PERSONAL_FIELDS } from './device.personal.js';

type PersonalField = 'address' | 'holderName' | 'holderPhone' | 'holderIdNumber';

function personal(ctx: RequestContext, device: Device, field: PersonalField): string | null {
  return personalValue(ctx, 'Device', device as unknown as { id: string } & Record<string, unknown>, field, device[field], DEVICE_PERSONAL_FIELDS[field]!);
}

/** Device kinds about a person (an elderly resident's alarm button): their position is personal data. */
const PERSONAL_DEVICE_TYPES: readonly string[] = ['ELDERLY_ALARM_BUTTON'];

function isPersonalDevice(device: Device): boolean {
  return PERSONAL_DEVICE_TYPES.includes(device.type) || device.holderName !== null || device.holderPhone !== null || device.holderIdNumber !== null;
}

@Resolver(() => Device)
export class DeviceResolver {
  @Query(() => DeviceConnection, { description: 'Devices the caller may see, newest registrations first.' })
  async devices(
    @Arg('filter', () => DeviceFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: DeviceFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof DeviceConnection>> {
    ctx.ledger.statePurpose(purpose);
    return new DeviceConnection(await listDevices(ctx, filter, page), toDeviceKey);
  }

  @Query(() => [Device], {
    description: 'The devices silent longest: OFFLINE devices you may see, the one heard from longest ago first (never heard from: before all others). For a "gone quiet" list; `devices` pages them in registration order.',
  })
  silentDevices(
    @Arg('filter', () => DeviceFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: DeviceFilter | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'How many: default 20, at most 100.' }) first: number | undefined,
    @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Device[]> {
    ctx.ledger.statePurpose(purpose);
    return silentDevices(ctx, filter, first);
  }

  @Query(() => Device, { description: 'One device; NOT_FOUND when it does not exist or lies outside your scope.' })
  device(@Arg('id', () => ID, { description: "The device's id." }) id: string, @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined, @Ctx() ctx: RequestContext): Promise<Device> {
    ctx.ledger.statePurpose(purpose);
    return getDevice(ctx, id);
  }

  @Query(() => [HeartbeatDefault], { description: 'Seconds between heartbeats a registration gets when it names none, per device type.' })
  deviceHeartbeatDefaults(): HeartbeatDefault[] {
    return DEVICE_TYPES.map((type) => Object.assign(new HeartbeatDefault(), { type, intervalSeconds: HEARTBEAT_INTERVAL_SECONDS[type] }));
  }

  @Mutation(() => IngestReport, {
    description:
      'Adapters: register or update up to 1,000 devices; one result per record. New: ACCEPTED; a changed description: UPDATED; the same description again: DUPLICATE.',
  })
  ingestDevices(@Arg('input', () => IngestDevicesInput, { description: 'The source and its records.' }) input: IngestDevicesInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestDevices(ctx, input);
  }

  @Mutation(() => IngestReport, {
    description:
      "Adapters: up to 1,000 heartbeats; one result per heartbeat. Newer than the device's last one: stored and the status set (UPDATED); otherwise DUPLICATE. Unknown device: REJECTED UNKNOWN_RECORD.",
  })
  heartbeatDevices(@Arg('input', () => HeartbeatDevicesInput, { description: 'The source and its heartbeats.' }) input: HeartbeatDevicesInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return heartbeatDevices(ctx, input);
  }

  @Subscription(() => Device, {
    description: 'Devices as their status changes (a heartbeat, or silence past the interval), within your scope and the filter.',
    subscribe: ({ args, context }) => (context as RequestContext).hub.singles.of(deviceLive).subscribe(context as RequestContext, (args as { filter?: DeviceFilter }).filter, (args as { after?: string }).after),
  })
  deviceStatusChanged(@Root() device: Device, @Arg('filter', () => DeviceFilter, { nullable: true, description: 'Only devices matching this filter.' }) _filter: DeviceFilter | undefined, @Arg('after', () => String, { nullable: true, description: 'Start after this cursor (an event\'s `cursor`, or the "live now" ping\'s): the records committed since are replayed first, each once, then live ones (docs/api/live.md).' }) _after: string | undefined): Device {
    return device;
  }

  @FieldResolver(() => Unit, { description: 'The unit it is installed in.' })
  unit(@Root() device: Device, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, device.unitCode);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: the exact installation address; cut to the building unless you may see it.' })
  address(@Root() device: Device, @Ctx() ctx: RequestContext): string | null {
    return personal(ctx, device, 'address');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: the person behind an elderly one-click alarm (张* when masked).' })
  holderName(@Root() device: Device, @Ctx() ctx: RequestContext): string | null {
    return personal(ctx, device, 'holderName');
  }

  @FieldResolver(() => String, { nullable: true, description: "Personal data: the holder's phone (138****1234 when masked)." })
  holderPhone(@Root() device: Device, @Ctx() ctx: RequestContext): string | null {
    return personal(ctx, device, 'holderPhone');
  }

  @FieldResolver(() => String, { nullable: true, description: "Personal data: the holder's ID number (320613********1234 when masked)." })
  holderIdNumber(@Root() device: Device, @Ctx() ctx: RequestContext): string | null {
    return personal(ctx, device, 'holderIdNumber');
  }

  @FieldResolver(() => GeoPoint, { nullable: true, description: 'Where it is installed; a personal device (an elderly alarm button) rounded to about 100 m unless you see its address in full.' })
  location(@Root() device: Device, @Ctx() ctx: RequestContext): GeoPoint | null {
    if (!isPersonalDevice(device)) return device.location;
    return personalPoint(ctx, 'Device', device as unknown as Record<string, unknown>, 'address', device.location);
  }

  @FieldResolver(() => [String], { description: 'The personal fields of this device you see masked.' })
  maskedFields(@Root() device: Device, @Ctx() ctx: RequestContext): string[] {
    return maskedFields(ctx, 'Device', device as unknown as Record<string, unknown>, Object.keys(DEVICE_PERSONAL_FIELDS));
  }
}
