import { pgTable, text, uuid, timestamp, jsonb, unique } from 'drizzle-orm/pg-core';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';
import type { ReportFigures } from './report.figures.js';
import type { ReportPeriodName } from './report.period.js';

/**
 * An analysis report (研判报告): a snapshot of a unit's figures over a period, taken once. One
 * per unit and period (`[period_from, period_to)`): generating it again answers the stored one,
 * so concurrent runs on several hub processes make exactly one. Figures are aggregates only.
 */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    periodKind: text('period_kind').$type<ReportPeriodName>().notNull(),
    periodFrom: timestamp('period_from', { withTimezone: true, precision: 3 }).notNull(),
    periodTo: timestamp('period_to', { withTimezone: true, precision: 3 }).notNull(),
    generatedAt: timestamp('generated_at', { withTimezone: true, precision: 3 }).notNull(),
    /** A principal's name, `scheduler` (the weekly run) or `seed` (demo data). */
    generatedBy: text('generated_by').notNull(),
    figures: jsonb('figures').$type<ReportFigures>().notNull(),
    ...placementColumns(),
  },
  (t) => [unique('reports_unit_period_key').on(t.unitCode, t.periodFrom, t.periodTo), ...placementIndexes('reports', t, t.periodFrom)],
);

export type ReportRow = typeof reports.$inferSelect;
