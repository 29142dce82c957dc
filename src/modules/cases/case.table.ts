import { pgTable, pgSequence, text, uuid, timestamp, doublePrecision, integer, index, unique, primaryKey } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';
import type { SeverityName } from '../alerts/index.js';
import type { EventCategoryName as CaseCategoryName } from '../categories/index.js';
import type { CaseActionName, CaseStateName } from './case.workflow.js';

export const CASE_ORIGINS = ['ALERT', 'RESIDENT_REQUEST', 'PATROL_FINDING', 'MANUAL', 'EXTERNAL'] as const;
export type CaseOriginName = (typeof CASE_ORIGINS)[number];

/** The running number of case numbers (`320613-2026-000123`): one sequence for the hub. */
export const caseNumberSeq = pgSequence('case_number_seq', { startWith: 1 });

/**
 * A case (案卷). It sits at the unit where it happened (placement columns, like alerts) and is
 * handled by its assignee unit (`assignee_code`, `assignee_path`), which dispatch and SLA
 * escalation move. `version` grows with every change: transitions are conditional on it, so
 * two officers acting at once cannot both win. `reporter_name` and `reporter_phone` are
 * personal data (masked outside the owning community/grid and the assignee unit).
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: text('number').notNull().unique('cases_number_key'),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').$type<CaseCategoryName>().notNull(),
    severity: text('severity').$type<SeverityName>().notNull(),
    state: text('state').$type<CaseStateName>().notNull(),
    /** Where a SUSPENDED case resumes to. */
    suspendedFrom: text('suspended_from').$type<CaseStateName>(),
    version: integer('version').notNull().default(1),
    originKind: text('origin_kind').$type<CaseOriginName>().notNull(),
    /** The alert, resident request or patrol finding it was opened from; null for MANUAL and EXTERNAL. */
    originId: uuid('origin_id'),
    assigneeCode: text('assignee_code').notNull(),
    assigneePath: text('assignee_path').notNull(),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    reporterName: text('reporter_name'),
    reporterPhone: text('reporter_phone'),
    openedAt: timestamp('opened_at', { withTimezone: true, precision: 3 }).notNull(),
    openedBy: text('opened_by').notNull(),
    deadlineAt: timestamp('deadline_at', { withTimezone: true, precision: 3 }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true, precision: 3 }),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull(),
    /** For cases from other systems (ingestCases): (source, external_id) is unique. */
    source: text('source'),
    externalId: text('external_id'),
    reopenCount: integer('reopen_count').notNull().default(0),
    escalationCount: integer('escalation_count').notNull().default(0),
    /** 1..5, filled when the resident rates the outcome; null until then. */
    satisfaction: integer('satisfaction'),
    ...placementColumns(),
  },
  (t) => [
    unique('cases_source_external_id_key').on(t.source, t.externalId),
    ...placementIndexes('cases', t, t.openedAt),
    index('cases_assignee_path_idx').using('btree', sql`${t.assigneePath} text_pattern_ops`),
    index('cases_origin_idx').on(t.originKind, t.originId),
    index('cases_sla_idx').on(t.deadlineAt).where(sql`${t.state} in ('REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS')`),
  ],
);

export type CaseRow = typeof cases.$inferSelect;
export type NewCaseRow = typeof cases.$inferInsert;

/** Every change of a case, numbered from 1 per case. `actor` is a principal's name or `system`. */
export const caseHistory = pgTable(
  'case_history',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    actor: text('actor').notNull(),
    actorUnitCode: text('actor_unit_code'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    action: text('action').$type<CaseActionName>().notNull(),
    fromState: text('from_state').$type<CaseStateName>(),
    toState: text('to_state').$type<CaseStateName>().notNull(),
    note: text('note'),
    assigneeBefore: text('assignee_before'),
    assigneeAfter: text('assignee_after'),
  },
  (t) => [primaryKey({ name: 'case_history_pkey', columns: [t.caseId, t.seq] })],
);

export type CaseHistoryRow = typeof caseHistory.$inferSelect;
export type NewCaseHistoryRow = typeof caseHistory.$inferInsert;
