import { pgTable, text, uuid, timestamp, doublePrecision, integer, index, unique, check } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
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
    // A request scanned in through a community channel (QR) has its channel; one pushed in by
    // another system (the 12345 hotline) has its source and that system's id instead.
    channelId: uuid('channel_id').references(() => channels.id),
    source: text('source'),
    externalId: text('external_id'),
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
    // The resident's rating (1..5) once the request is CLOSED, given once, with an optional comment.
    satisfaction: integer('satisfaction'),
    ratedAt: timestamp('rated_at', { withTimezone: true, precision: 3 }),
    ratingComment: text('rating_comment'),
    submittedAt: timestamp('submitted_at', { withTimezone: true, precision: 3 }).notNull(),
    // When the hub stored it: for a channel submission its submittedAt, for one pushed in by
    // another system the time of the push (submittedAt is that system's).
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true, precision: 3 }),
    // Set when the request came in past its channel's soft limit (RESIDENT_RATE_PER_CHANNEL): held
    // for staff review, unheard by live subscribers until released (releaseResidentRequest).
    heldAt: timestamp('held_at', { withTimezone: true, precision: 3 }),
    ...placementColumns(),
  },
  (t) => [
    ...placementIndexes('resident_requests', t, t.submittedAt),
    index('resident_requests_channel_id_idx').on(t.channelId),
    index('resident_requests_lat_lng_idx').on(t.lat, t.lng),
    // receivedFrom/receivedTo: catching up by arrival.
    index('resident_requests_received_at_idx').on(t.receivedAt),
    // NULLs are distinct: channel submissions (no source) never collide.
    unique('resident_requests_source_external_id_key').on(t.source, t.externalId),
    check('resident_requests_origin_check', sql`${t.channelId} is not null or (${t.source} is not null and ${t.externalId} is not null)`),
    check('resident_requests_satisfaction_check', sql`${t.satisfaction} is null or ${t.satisfaction} between 1 and 5`),
  ],
);

export type ResidentRequestRow = typeof residentRequests.$inferSelect;
export type NewResidentRequestRow = typeof residentRequests.$inferInsert;
