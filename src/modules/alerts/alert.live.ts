import type { Hub } from '../../platform/context.js';
import { LiveFeed } from '../../platform/pubsub/live-feed.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import { requireUnit } from '../units/index.js';
import type { AlertRow } from './alert.table.js';
import type { AlertFilter } from './alert.input.js';
import type { Alert } from './alert.type.js';
import { alertsByIds, toAlert } from './alert.service.js';

/**
 * `alertRaised`: alerts as they are committed, on every hub process, in commit order through
 * the live log (a gap in the bus is read from the log; `after` replays it).
 */
export function alertLive(hub: Hub): LiveFeed<AlertRow, Alert, AlertFilter> {
  return new LiveFeed<AlertRow, Alert, AlertFilter>(hub, {
    topic: 'alertRaised',
    subject: 'Alert',
    subjectOf: (row) => ({ ...row }),
    load: (db, ids) => alertsByIds(db, ids),
    toItem: toAlert,
    checkFilter: (filter) => {
      if (filter.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
      if (filter.near) checkNear(filter.near, 'filter.near');
    },
    filterPath: async (db, filter) => (filter.unitCode ? (await requireUnit(db, filter.unitCode)).path : undefined),
    matches,
  });
}

/** The filter's conditions besides its unit (the feed checks the unit). */
export function matches(row: AlertRow, filter: AlertFilter): boolean {
  if (filter.types && !filter.types.includes(row.type)) return false;
  if (filter.severities && !filter.severities.includes(row.severity)) return false;
  if (filter.statuses && !filter.statuses.includes(row.status)) return false;
  if (filter.from && row.occurredAt < filter.from) return false;
  if (filter.to && row.occurredAt >= filter.to) return false;
  if (filter.receivedFrom && row.receivedAt < filter.receivedFrom) return false;
  if (filter.receivedTo && row.receivedAt >= filter.receivedTo) return false;
  return geoMatches(row, filter);
}
