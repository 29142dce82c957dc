import { pgTable, text, uuid, timestamp, index } from 'drizzle-orm/pg-core';
import { units } from '../units/index.js';

/**
 * A community's channel for residents (the QR code on the notice board). The token is a
 * credential: only its SHA-256 is kept. Rotating replaces the hash; revoking ends it.
 */
export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    communityCode: text('community_code')
      .notNull()
      .references(() => units.code),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique('channels_token_hash_key'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('channels_community_code_idx').on(t.communityCode)],
);

export type ChannelRow = typeof channels.$inferSelect;
