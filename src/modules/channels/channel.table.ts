import { pgTable, text, uuid, timestamp, index } from 'drizzle-orm/pg-core';
import { units } from '../units/index.js';

/**
 * A community's channel for residents (the QR code on the notice board). Its token is looked
 * up by SHA-256 (`token_hash`); the token itself is kept too (`token`) so that an admin can
 * print the poster again: it hangs on a public notice board, a capability to submit to one
 * community rather than a secret. Rows made before the column existed have no `token`: their
 * QR code needs a rotation. Rotating replaces both; revoking ends the channel.
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
    token: text('token'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('channels_community_code_idx').on(t.communityCode)],
);

export type ChannelRow = typeof channels.$inferSelect;
