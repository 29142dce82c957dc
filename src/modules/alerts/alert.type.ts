import 'reflect-metadata';
import { enumOf } from '../../platform/graphql/enum.js';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver, JSONObjectResolver, LocalDateResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';
import { GeoPoint } from '../devices/index.js';
import { Unit } from '../units/index.js';
import {
  ALERT_STATUSES,
  ALERT_TYPES,
  SEVERITIES,
  type AlertStatusName,
  type AlertTypeName,
  type SeverityName,
} from './alert.table.js';

export const AlertType = enumOf(ALERT_TYPES);
registerEnumType(AlertType, {
  name: 'AlertType',
  description: 'What was detected.',
  valuesConfig: {
    SMOKE: { description: '烟感: a smoke detector went off' },
    MANHOLE_TILT: { description: '井盖: a manhole cover tilted or moved' },
    HYDRANT_PRESSURE_LOW: { description: '消防栓: hydrant water pressure below threshold' },
    EBIKE_IN_ELEVATOR: { description: '电梯梯阻: an e-bike entered an elevator' },
    THROWN_FROM_HEIGHT: { description: '高空抛物: an object thrown from height' },
    ELDERLY_ALARM: { description: '独居老人一键告警: an elderly resident pressed the alarm' },
    GARBAGE_ROOM_FULL: { description: '智能垃圾房: garbage room full or overflowing' },
    PARKING_VIOLATION: { description: '地磁: parking in a fire lane or no-parking bay' },
    FIRE_PASSAGE_BLOCKED: { description: '消防通道: fire passage blocked' },
    STREET_VENDOR: { description: '流动商贩: unlicensed street vendor seen by a camera' },
    DEVICE_OFFLINE: { description: 'a device stopped sending heartbeats' },
  },
});

export const Severity = enumOf(SEVERITIES);
registerEnumType(Severity, {
  name: 'Severity',
  description: 'Declared from LOW to CRITICAL.',
  valuesConfig: {
    LOW: { description: 'Informational; no one need move.' },
    MEDIUM: { description: 'Needs attention within the working day.' },
    HIGH: { description: 'Needs attention now.' },
    CRITICAL: { description: 'Danger to life or property; act at once.' },
  },
});

export const AlertStatus = enumOf(ALERT_STATUSES);
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  description: 'Where an alert stands in its handling.',
  valuesConfig: {
    OPEN: { description: 'Raised and not yet taken in hand.' },
    ACKNOWLEDGED: { description: 'Taken in hand by an officer (acknowledgeAlert).' },
    RESOLVED: { description: 'The cause was dealt with.' },
    DISMISSED: { description: 'Closed without action (a false alarm, say).' },
  },
});

@ObjectType('Alert', { implements: Node, description: 'Something a device or system raised in a unit.', simpleResolvers: true })
export class Alert {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'In a live subscription: this event\'s place in the stream, for `after` when resubscribing (docs/api/live.md). Null in queries.',
  })
  cursor?: string | null;

  @Field(() => String, { description: "The adapter's own id for it; unique with source." })
  externalId!: string;

  @Field(() => String, { description: 'The system that sent it.' })
  source!: string;

  @Field(() => AlertType, { description: 'What was detected.' })
  type!: AlertTypeName;

  @Field(() => Severity, { description: 'How serious the source judged it.' })
  severity!: SeverityName;

  @Field(() => AlertStatus, { description: 'Where it stands in its handling.' })
  status!: AlertStatusName;

  @Field(() => DateTimeResolver, { description: 'When it happened, as the source reported it.' })
  occurredAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the hub stored it.' })
  receivedAt!: Date;

  @Field(() => GeoPoint, { nullable: true, description: 'Where it was raised, when the source sent a location.' })
  location!: GeoPoint | null;

  @Field(() => JSONObjectResolver, { description: 'Whatever else the source sent, as it sent it.' })
  payload!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The device's id in the source system, as sent." })
  deviceExternalId!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When an officer acknowledged it; null until then.' })
  acknowledgedAt!: Date | null;

  deviceId!: string | null;
  unitCode!: string;
  unitPath!: string;
}

export const AlertConnection = connectionOf(Alert, 'Alert');

/** What `alertCounts` can group by; the later `stats` query takes the same keys. */
export const ALERT_COUNT_KEYS = ['CHILD_UNIT', 'DAY', 'TYPE', 'SEVERITY', 'STATUS'] as const;
export type AlertCountKeyName = (typeof ALERT_COUNT_KEYS)[number];

export const AlertCountKey = enumOf(ALERT_COUNT_KEYS);
registerEnumType(AlertCountKey, {
  name: 'AlertCountKey',
  description: 'A key to group alert counts by.',
  valuesConfig: {
    CHILD_UNIT: { description: 'The units one tier below filter.unitCode (or below your own unit when the filter names none).' },
    DAY: { description: 'The day the alert occurred, in China Standard Time (UTC+8).' },
    TYPE: { description: 'The alert type.' },
    SEVERITY: { description: 'The severity.' },
    STATUS: { description: 'The status now.' },
  },
});

@ObjectType('AlertCount', { description: 'How many alerts share these keys; a key not grouped by is null.', simpleResolvers: true })
export class AlertCount {
  @Field(() => Unit, { nullable: true, description: 'CHILD_UNIT: the child unit; the unit itself for alerts placed on it rather than below.' })
  unit!: Unit | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'DAY: the day in China Standard Time, YYYY-MM-DD.' })
  day!: string | null;

  @Field(() => AlertType, { nullable: true, description: 'TYPE: the alert type.' })
  type!: AlertTypeName | null;

  @Field(() => Severity, { nullable: true, description: 'SEVERITY: the severity.' })
  severity!: SeverityName | null;

  @Field(() => AlertStatus, { nullable: true, description: 'STATUS: the status now.' })
  status!: AlertStatusName | null;

  @Field(() => Int, { description: 'How many alerts fall in this group.' })
  count!: number;
}
