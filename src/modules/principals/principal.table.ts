import { pgTable, text, jsonb, timestamp, index } from 'drizzle-orm/pg-core';
import type { DataDomain, PrincipalKind, Role } from '../../platform/auth/principal.js';
import { units } from '../units/index.js';

/** A department (IoT platform, fire brigade, 12345 hotline, …): its jurisdiction and the data it owns. */
export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  jurisdictionCode: text('jurisdiction_code')
    .notNull()
    .references(() => units.code),
  domains: jsonb('domains').$type<DataDomain[]>().notNull().default([]),
});

export const principals = pgTable(
  'principals',
  {
    name: text('name').primaryKey(),
    displayName: text('display_name').notNull(),
    kind: text('kind').$type<Exclude<PrincipalKind, 'ANONYMOUS'>>().notNull(),
    roles: text('roles').array().$type<Role[]>().notNull(),
    unitCode: text('unit_code').references(() => units.code),
    departmentCode: text('department_code').references(() => departments.code),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [index('principals_unit_code_idx').on(t.unitCode)],
);

export type PrincipalRow = typeof principals.$inferSelect;
export type DepartmentRow = typeof departments.$inferSelect;
