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
  valuesConfig: {
    SMOKE_DETECTOR: { description: '烟感: a smoke detector.' },
    MANHOLE_COVER: { description: '井盖: a manhole cover tilt sensor.' },
    FIRE_HYDRANT: { description: '消防栓: a fire hydrant pressure sensor.' },
    ELEVATOR_EBIKE_BLOCKER: { description: '电梯梯阻: an elevator camera that keeps e-bikes out.' },
    HIGH_THROW_CAMERA: { description: '高空抛物: a camera watching for objects thrown from height.' },
    PARKING_SENSOR: { description: '地磁: a parking bay sensor.' },
    ELDERLY_ALARM_BUTTON: { description: "独居老人一键告警: an elderly resident's one-click alarm." },
    SMART_GARBAGE_ROOM: { description: '智能垃圾房: a smart garbage room.' },
    CAMERA: { description: 'A general video camera.' },
  },
});

export const DeviceStatus = enumOf(DEVICE_STATUSES);
registerEnumType(DeviceStatus, {
  name: 'DeviceStatus',
  description: 'Whether a device is heard from.',
  valuesConfig: {
    ONLINE: { description: 'Heartbeats arrive on time.' },
    OFFLINE: { description: 'Silent past its heartbeat interval times the grace factor; set by the hub.' },
    FAULT: { description: 'Alive, but its last heartbeat reported a fault.' },
  },
});

@ObjectType('GeoPoint', { description: 'WGS-84 latitude and longitude.', simpleResolvers: true })
export class GeoPoint {
  @Field(() => Float, { description: 'Latitude, -90..90.' })
  lat!: number;

  @Field(() => Float, { description: 'Longitude, -180..180.' })
  lng!: number;
}

@ObjectType('Device', { implements: Node, simpleResolvers: true, description: 'A registered sensor, camera or alarm in a unit.' })
export class Device {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
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

  @Field(() => DeviceType, { description: 'What kind of device it is.' })
  type!: DeviceTypeName;

  @Field(() => String, { description: 'What staff call it.' })
  name!: string;

  @Field(() => String, { nullable: true, description: "The maker's model, when sent." })
  model!: string | null;

  @Field(() => DeviceStatus, { description: 'Whether it is heard from now.' })
  status!: DeviceStatusName;

  @Field(() => GeoPoint, { nullable: true, description: 'Where it is installed, when sent.' })
  location!: GeoPoint | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When its latest heartbeat was sent; null before the first.' })
  lastHeartbeatAt!: Date | null;

  @Field(() => DateTimeResolver, { description: 'When the hub first registered it.' })
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

@ObjectType('HeartbeatDefault', { description: 'The heartbeat interval a device type gets when its registration names none.' })
export class HeartbeatDefault {
  @Field(() => DeviceType, { description: 'The device type.' })
  type!: DeviceTypeName;

  @Field(() => Int, { description: 'Seconds between heartbeats.' })
  intervalSeconds!: number;
}

export const DeviceConnection = connectionOf(Device, 'Device');
