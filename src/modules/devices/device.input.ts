import 'reflect-metadata';
import { Field, InputType, Int } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { BoundingBoxInput, GeoPointInput, NearInput } from '../../platform/graphql/geo.js';
import { DeviceStatus, DeviceType } from './device.type.js';
import type { DeviceStatusName, DeviceTypeName } from './device.table.js';

@InputType('DeviceFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class DeviceFilter {
  @Field(() => String, { nullable: true, description: 'Only devices within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => [DeviceType], { nullable: true, description: 'Only devices of these types.' })
  types?: DeviceTypeName[] | null;

  @Field(() => [DeviceStatus], { nullable: true, description: 'Only devices in these statuses.' })
  statuses?: DeviceStatusName[] | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'createdAt (when the hub registered the device) at or after this time: catching up by arrival.',
  })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'createdAt before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only devices with a location inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only devices with a location within this circle.' })
  near?: NearInput | null;
}

@InputType('DeviceRecordInput', {
  description:
    "A device's registration. The first record with a (source, externalId) registers the device; a later one with a different description replaces it (reported UPDATED: optional fields left out are cleared); an identical one changes nothing (DUPLICATE).",
})
export class DeviceRecordInput {
  @Field(() => String, { description: "The adapter's own id of the device; (source, externalId) is unique." })
  externalId!: string;

  @Field(() => DeviceType, { description: 'What kind of device it is.' })
  type!: DeviceTypeName;

  @Field(() => String, { description: 'What staff call it, e.g. 曙光社区独立式烟感1号.' })
  name!: string;

  @Field(() => String, { nullable: true, description: "The maker's model." })
  model?: string | null;

  @Field(() => String, { description: 'The unit it is installed in (community or grid, usually).' })
  unitCode!: string;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it is installed.' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: "The owning department's code; default: the adapter's department." })
  departmentCode?: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds between heartbeats, 10 to 86400; default by type (deviceHeartbeatDefaults).' })
  heartbeatIntervalSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'Personal data: the exact installation address.' })
  address?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data: the person behind an elderly one-click alarm.' })
  holderName?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  holderPhone?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  holderIdNumber?: string | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Whatever else the source keeps about the device (serial, installer, …).' })
  attributes?: Record<string, unknown> | null;
}

@InputType('IngestDevicesInput', { description: 'A batch of device registrations from one source.' })
export class IngestDevicesInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [DeviceRecordInput], { description: 'At most 1,000 records.' })
  records!: DeviceRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}

@InputType('HeartbeatInput', { description: 'A device is alive at `at`; status ONLINE (default) or FAULT (alive, but reporting a fault).' })
class HeartbeatInput {
  @Field(() => String, { description: "The device's externalId, as registered by this source (or by the adapter, for name/subsystem sources)." })
  externalId!: string;

  @Field(() => DateTimeResolver, { description: 'When the device was heard from.' })
  at!: Date;

  @Field(() => DeviceStatus, { nullable: true, description: 'ONLINE (default) or FAULT; OFFLINE is for the hub to decide.' })
  status?: DeviceStatusName | null;
}

@InputType('HeartbeatDevicesInput', { description: 'A batch of heartbeats from one source.' })
export class HeartbeatDevicesInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [HeartbeatInput], { description: 'At most 1,000 heartbeats.' })
  records!: HeartbeatInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: apply all heartbeats or none.' })
  atomic!: boolean;
}
