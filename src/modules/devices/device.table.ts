import { pgTable, text, uuid, timestamp, doublePrecision, jsonb, integer, unique } from 'drizzle-orm/pg-core';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';

export const DEVICE_TYPES = [
  'SMOKE_DETECTOR',
  'MANHOLE_COVER',
  'FIRE_HYDRANT',
  'ELEVATOR_EBIKE_BLOCKER',
  'HIGH_THROW_CAMERA',
  'PARKING_SENSOR',
  'ELDERLY_ALARM_BUTTON',
  'SMART_GARBAGE_ROOM',
  'CAMERA',
] as const;
export type DeviceTypeName = (typeof DEVICE_TYPES)[number];

export const DEVICE_STATUSES = ['ONLINE', 'OFFLINE', 'FAULT'] as const;
export type DeviceStatusName = (typeof DEVICE_STATUSES)[number];

/** An IoT device in a compound, registered by the department system that runs it. */
export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    type: text('type').$type<DeviceTypeName>().notNull(),
    name: text('name').notNull(),
    model: text('model'),
    departmentCode: text('department_code'),
    status: text('status').$type<DeviceStatusName>().notNull().default('ONLINE'),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    heartbeatIntervalSeconds: integer('heartbeat_interval_seconds').notNull().default(300),
    lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true, precision: 3 }),
    // Personal data (PIPL): the person behind an elderly one-click alarm, and the exact address
    // where a device is installed (a resident's home for an alarm button).
    address: text('address'),
    holderName: text('holder_name'),
    holderPhone: text('holder_phone'),
    holderIdNumber: text('holder_id_number'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    ...placementColumns(),
  },
  (t) => [unique('devices_source_external_id_key').on(t.source, t.externalId), ...placementIndexes('devices', t, t.createdAt)],
);

export type DeviceRow = typeof devices.$inferSelect;
