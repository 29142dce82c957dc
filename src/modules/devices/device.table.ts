import { pgTable, text, uuid, timestamp, doublePrecision, jsonb, integer, unique, index } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
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

/**
 * ONLINE: heartbeats arrive. FAULT: heartbeats arrive, and the device reports a fault.
 * OFFLINE: no heartbeat for longer than its interval × the grace factor (the hub decides).
 */
export const DEVICE_STATUSES = ['ONLINE', 'OFFLINE', 'FAULT'] as const;
export type DeviceStatusName = (typeof DEVICE_STATUSES)[number];

/**
 * Seconds between heartbeats when a registration names none: cameras stream and report every
 * minute; battery-powered NB-IoT sensors (manhole covers, hydrants, parking sensors) save power.
 */
export const HEARTBEAT_INTERVAL_SECONDS: Readonly<Record<DeviceTypeName, number>> = {
  SMOKE_DETECTOR: 300,
  MANHOLE_COVER: 1800,
  FIRE_HYDRANT: 1800,
  ELEVATOR_EBIKE_BLOCKER: 300,
  HIGH_THROW_CAMERA: 60,
  PARKING_SENSOR: 1800,
  ELDERLY_ALARM_BUTTON: 600,
  SMART_GARBAGE_ROOM: 600,
  CAMERA: 60,
};

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
  (t) => [
    unique('devices_source_external_id_key').on(t.source, t.externalId),
    ...placementIndexes('devices', t, t.createdAt),
    // Geographic filters: a range on lat, then lng (src/platform/db/geo.ts).
    index('devices_lat_lng_idx').on(t.lat, t.lng),
    // silentDevices: the offline ones in the order of their silence, whatever the tier.
    index('devices_offline_silence_idx').on(t.lastHeartbeatAt.asc().nullsFirst(), t.id).where(sql`${t.status} = 'OFFLINE'`),
  ],
);

export type DeviceRow = typeof devices.$inferSelect;
