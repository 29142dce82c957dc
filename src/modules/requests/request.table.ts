import { pgTable, text, uuid, timestamp, doublePrecision, integer, index } from 'drizzle-orm/pg-core';
import { placementColumns, placementIndexes } from '../../platform/db/placement.js';
import { channels } from '../channels/index.js';

export const REQUEST_CATEGORIES = ['SUGGESTION', 'COMPLAINT', 'HELP', 'HAZARD'] as const;
export type RequestCategoryName = (typeof REQUEST_CATEGORIES)[number];

export const REQUEST_STATUSES = ['SUBMITTED', 'REPLIED', 'IN_CASE', 'CLOSED'] as const;
export type RequestStatusName = (typeof REQUEST_STATUSES)[number];

/**
 * What a resident sent through a community channel. `contact_name`, `contact_phone` and
 * `address` are personal data (masked above the community). The tracking code is the
 * resident's only handle on it.
 */
export const residentRequests = pgTable(
  'resident_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    trackingCode: text('tracking_code').notNull().unique('resident_requests_tracking_code_key'),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id),
    category: text('category').$type<RequestCategoryName>().notNull(),
    text: text('text').notNull(),
    photoUrl: text('photo_url'),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    address: text('address'),
    contactName: text('contact_name'),
    contactPhone: text('contact_phone'),
    status: text('status').$type<RequestStatusName>().notNull().default('SUBMITTED'),
    reply: text('reply'),
    repliedAt: timestamp('replied_at', { withTimezone: true, precision: 3 }),
    satisfaction: integer('satisfaction'),
    submittedAt: timestamp('submitted_at', { withTimezone: true, precision: 3 }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true, precision: 3 }),
    ...placementColumns(),
  },
  (t) => [...placementIndexes('resident_requests', t, t.submittedAt), index('resident_requests_channel_id_idx').on(t.channelId)],
);

export type ResidentRequestRow = typeof residentRequests.$inferSelect;
export type NewResidentRequestRow = typeof residentRequests.$inferInsert;
