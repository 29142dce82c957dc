import { pgTable, text, uuid, timestamp, index, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { units } from '../units/index.js';
import { departments } from '../principals/index.js';

/**
 * A sharing agreement (docs/design.md, "Terms"): the grantee — a unit or a department — may read
 * records of `kind` (only `types` when set) within `withinUnitCode`, and see the personal
 * `fields` it names unmasked, until `expiresAt` or until it is revoked.
 */
export const grants = pgTable(
  'grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    granteeUnitCode: text('grantee_unit_code').references(() => units.code),
    granteeDepartmentCode: text('grantee_department_code').references(() => departments.code),
    kind: text('kind').notNull(),
    types: text('types').array(),
    fields: text('fields').array().notNull().default(sql`'{}'::text[]`),
    withinUnitCode: text('within_unit_code')
      .notNull()
      .references(() => units.code),
    withinPath: text('within_path').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedBy: text('revoked_by'),
  },
  (t) => [
    check('grants_one_grantee', sql`(${t.granteeUnitCode} is null) <> (${t.granteeDepartmentCode} is null)`),
    index('grants_grantee_unit_idx').on(t.granteeUnitCode),
    index('grants_grantee_department_idx').on(t.granteeDepartmentCode),
    index('grants_within_path_idx').on(t.withinPath.op('text_pattern_ops')),
  ],
);

export type GrantRow = typeof grants.$inferSelect;
