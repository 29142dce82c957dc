import { pgTable, text, smallint, index, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Tier } from '../../platform/auth/scope.js';

/** A node of the administrative hierarchy; the code is its GB/T 2260 or statistical code. */
export const units = pgTable(
  'units',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    tier: text('tier').$type<Tier>().notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => units.code),
    path: text('path').notNull().unique(),
    depth: smallint('depth').notNull(),
  },
  (t) => [index('units_parent_code_idx').on(t.parentCode), index('units_path_prefix_idx').on(t.path.op('text_pattern_ops'))],
);

export type UnitRow = typeof units.$inferSelect;
