import { pgTable, text, uuid, timestamp, index } from 'drizzle-orm/pg-core';
import { principals } from '../principals/index.js';

/**
 * An adapter's API key. Only the SHA-256 of the secret is kept (keys are 256 random bits, so
 * a fast hash is enough); `prefix` is the key's first characters, shown in lists so people can
 * tell keys apart. A revoked key stays, with who revoked it and when.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    principalName: text('principal_name')
      .notNull()
      .references(() => principals.name),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_key'),
    label: text('label'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('api_keys_principal_name_idx').on(t.principalName)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
