import { pgTable, text, integer, timestamp, primaryKey, index } from 'drizzle-orm/pg-core';

/**
 * Fixed-window counters: one row per (bucket, window). `bucket` names what is counted
 * (`channel:<id>`, `client:<ip>`); `expires_at` is the window's end, after which the row is
 * only kept until the next prune. A table rather than process memory, so every hub process on
 * the database counts together.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, precision: 3 }).notNull(),
    hits: integer('hits').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ name: 'rate_limit_counters_pkey', columns: [t.bucket, t.windowStart] }), index('rate_limit_counters_expires_at_idx').on(t.expiresAt)],
);
