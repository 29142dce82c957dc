import type { Hub } from '../../platform/context.js';
import { LiveFeed } from '../../platform/pubsub/live-feed.js';
import { requireUnit } from '../units/index.js';
import type { ResidentRequestRow } from './request.table.js';
import type { ResidentRequestFilter } from './request.input.js';
import type { ResidentRequest } from './request.type.js';
import { requestsByIds, subjectOf, toResidentRequest } from './request.service.js';

/**
 * `residentRequestSubmitted`: requests as residents send them, to whoever may read them — the
 * staff of the community and of the units above it, and data officers of the category's
 * department. Personal fields are masked per subscriber as in queries.
 */
export function requestLive(hub: Hub): LiveFeed<ResidentRequestRow, ResidentRequest, ResidentRequestFilter> {
  return new LiveFeed<ResidentRequestRow, ResidentRequest, ResidentRequestFilter>(hub, {
    topic: 'residentRequestSubmitted',
    subject: 'ResidentRequest',
    subjectOf: (row) => subjectOf({ ...row }),
    load: requestsByIds,
    toItem: toResidentRequest,
    filterPath: async (db, filter) => (filter.unitCode ? (await requireUnit(db, filter.unitCode)).path : undefined),
    matches: (row, filter) =>
      (!filter.categories || filter.categories.includes(row.category)) &&
      (!filter.statuses || filter.statuses.includes(row.status)) &&
      (!filter.from || row.submittedAt >= filter.from) &&
      (!filter.to || row.submittedAt < filter.to) &&
      (!filter.receivedFrom || row.receivedAt >= filter.receivedFrom) &&
      (!filter.receivedTo || row.receivedAt < filter.receivedTo),
  });
}
