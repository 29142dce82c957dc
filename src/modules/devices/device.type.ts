import 'reflect-metadata';
import { enumOf } from '../../platform/graphql/enum.js';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';
import { DEVICE_STATUSES, DEVICE_TYPES, type DeviceStatusName, type DeviceTypeName } from './device.table.js';

export const DeviceType = enumOf(DEVICE_TYPES);
registerEnumType(DeviceType, {
  name: 'DeviceType',
  description: 'Smoke detector, manhole cover, fire hydrant, elevator e-bike blocker, high-throw camera, parking sensor, elderly one-click alarm, smart garbage room, camera.',
});

export const DeviceStatus = enumOf(DEVICE_STATUSES);
registerEnumType(DeviceStatus, { name: 'DeviceStatus' });

@ObjectType('GeoPoint', { description: 'WGS-84 latitude and longitude.', simpleResolvers: true })
export class GeoPoint {
  @Field(() => Float)
  lat!: number;

  @Field(() => Float)
  lng!: number;
}

@ObjectType('Device', { implements: Node, simpleResolvers: true })
export class Device {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'In a live subscription: this event\'s place in the stream, for `after` when resubscribing (docs/api/live.md). Null in queries.',
  })
  cursor?: string | null;

  @Field(() => String, { description: 'The system that registered it.' })
  source!: string;

  @Field(() => String, { description: "The device's id in that system." })
  externalId!: string;

  @Field(() => DeviceType)
  type!: DeviceTypeName;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  model!: string | null;

  @Field(() => DeviceStatus)
  status!: DeviceStatusName;

  @Field(() => GeoPoint, { nullable: true })
  location!: GeoPoint | null;

  @Field(() => DateTimeResolver, { nullable: true })
  lastHeartbeatAt!: Date | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  // Personal data, resolved masked or in full by DeviceResolver (see device.personal.ts).
  address!: string | null;
  holderName!: string | null;
  holderPhone!: string | null;
  holderIdNumber!: string | null;

  @Field(() => String, { nullable: true, description: "The owning department's code." })
  departmentCode!: string | null;

  @Field(() => Int, { description: 'Seconds between heartbeats; silent for longer than this times the grace factor (DEVICE_SILENCE_GRACE), it goes OFFLINE.' })
  heartbeatIntervalSeconds!: number;

  unitCode!: string;
  unitPath!: string;
}

@ObjectType('HeartbeatDefault')
export class HeartbeatDefault {
  @Field(() => DeviceType)
  type!: DeviceTypeName;

  @Field(() => Int)
  intervalSeconds!: number;
}

export const DeviceConnection = connectionOf(Device, 'Device');
