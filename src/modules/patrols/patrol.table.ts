import { pgTable, text, uuid, timestamp, doublePrecision, integer, jsonb, index, unique } from 'drizzle-orm/pg-core';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';
import type { SeverityName } from '../alerts/index.js';
import type { EventCategoryName } from '../categories/index.js';

/**
 * A grid worker's patrol (巡查) of one grid: when, the route, and what was found. Filed by the
 * worker (`filePatrolReport`) or pushed by a grid-management app (`ingestPatrolReports`, with
 * `(source, external_id)` idempotency).
 */
export const patrolReports = pgTable(
  'patrol_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    filedBy: text('filed_by').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, precision: 3 }).notNull(),
    routeNote: text('route_note').notNull().default(''),
    filedAt: timestamp('filed_at', { withTimezone: true, precision: 3 }).notNull(),
    source: text('source'),
    externalId: text('external_id'),
    ...placementColumns(),
  },
  (t) => [
    unique('patrol_reports_source_external_id_key').on(t.source, t.externalId),
    ...placementIndexes('patrol_reports', t, t.startedAt),
    // receivedFrom/receivedTo (filedAt, when the hub stored it): catching up by arrival.
    index('patrol_reports_filed_at_idx').on(t.filedAt),
  ],
);

/**
 * One thing found on a patrol. `category` is a case category code (a finding becomes a case of
 * that category); `case_id` is set when a case is opened from it.
 */
export const patrolFindings = pgTable(
  'patrol_findings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reportId: uuid('report_id')
      .notNull()
      .references(() => patrolReports.id),
    seq: integer('seq').notNull(),
    category: text('category').$type<EventCategoryName>().notNull(),
    description: text('description').notNull(),
    severity: text('severity').$type<SeverityName>().notNull(),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    photoUrls: jsonb('photo_urls').$type<string[]>().notNull().default([]),
    caseId: uuid('case_id'),
    ...placementColumns(),
  },
  (t) => [unique('patrol_findings_report_seq_key').on(t.reportId, t.seq), index('patrol_findings_case_id_idx').on(t.caseId), index('patrol_findings_lat_lng_idx').on(t.lat, t.lng)],
);

export type PatrolReportRow = typeof patrolReports.$inferSelect;
export type PatrolFindingRow = typeof patrolFindings.$inferSelect;
