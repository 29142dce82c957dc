import { pgTable, text, uuid, timestamp, doublePrecision, jsonb, unique, index } from 'drizzle-orm/pg-core';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';
import { devices } from '../devices/index.js';

/**
 * Alert types raised by devices and systems in the compounds (docs/design.md, "Terms"). The
 * GraphQL enum follows this list; adding a type is a schema change, never a free string.
 */
export const ALERT_TYPES = [
  'SMOKE',
  'MANHOLE_TILT',
  'HYDRANT_PRESSURE_LOW',
  'EBIKE_IN_ELEVATOR',
  'THROWN_FROM_HEIGHT',
  'ELDERLY_ALARM',
  'GARBAGE_ROOM_FULL',
  'PARKING_VIOLATION',
  'FIRE_PASSAGE_BLOCKED',
  'STREET_VENDOR',
  'DEVICE_OFFLINE',
] as const;
export type AlertTypeName = (typeof ALERT_TYPES)[number];

/** Declared from least to most severe; the order is meaningful. */
export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED'] as const;
export type AlertStatusName = (typeof ALERT_STATUSES)[number];

export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    type: text('type').$type<AlertTypeName>().notNull(),
    severity: text('severity').$type<SeverityName>().notNull(),
    status: text('status').$type<AlertStatusName>().notNull().default('OPEN'),
    // Millisecond precision: keyset cursors carry the time as an ISO string.
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    deviceId: uuid('device_id').references(() => devices.id),
    deviceExternalId: text('device_external_id'),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
    acknowledgedBy: text('acknowledged_by'),
    ...placementColumns(),
  },
  (t) => [
    unique('alerts_source_external_id_key').on(t.source, t.externalId),
    ...placementIndexes('alerts', t, t.occurredAt),
    index('alerts_device_id_idx').on(t.deviceId),
    // receivedFrom/receivedTo: catching up by arrival.
    index('alerts_received_at_idx').on(t.receivedAt),
    // Geographic filters: a range on lat, then lng (src/platform/db/geo.ts).
    index('alerts_lat_lng_idx').on(t.lat, t.lng),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type NewAlertRow = typeof alerts.$inferInsert;
