import { pgTable, text, smallint, integer, index, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Tier } from '../../platform/auth/scope.js';

/**
 * A node of the administrative hierarchy; the code is its GB/T 2260 or statistical code. A
 * retired unit (merged into `successorCode`) stays, so that its code still answers and old
 * records' audit entries still name it; it has no children and no records left.
 */
export const units = pgTable(
  'units',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    tier: text('tier').$type<Tier>().notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => units.code),
    path: text('path').notNull().unique(),
    depth: smallint('depth').notNull(),
    retiredAt: timestamp('retired_at', { withTimezone: true, precision: 3 }),
    successorCode: text('successor_code').references((): AnyPgColumn => units.code),
  },
  (t) => [index('units_parent_code_idx').on(t.parentCode), index('units_path_prefix_idx').on(t.path.op('text_pattern_ops'))],
);

export type UnitRow = typeof units.$inferSelect;

/**
 * A unit's records being rehomed after a move or a retirement: every record whose path lies
 * within `fromPath` gets `toPath` in its place, in batches, while the hub keeps serving. A row
 * stays until the rewrite finished (`doneAt`); a hub process that starts finds the unfinished
 * ones and completes them.
 */
export const unitMoves = pgTable('unit_moves', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code')
    .notNull()
    .references(() => units.code),
  fromPath: text('from_path').notNull(),
  toPath: text('to_path').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  doneAt: timestamp('done_at', { withTimezone: true, precision: 3 }),
  batches: integer('batches').notNull().default(0),
});

export type UnitMoveRow = typeof unitMoves.$inferSelect;
