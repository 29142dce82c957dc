import { asc, gte } from 'drizzle-orm';
import type { Hub } from '../../platform/context.js';
import { LiveFeed } from '../../platform/pubsub/live-feed.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import { requireUnit } from '../units/index.js';
import { alerts, type AlertRow } from './alert.table.js';
import type { AlertFilter } from './alert.input.js';
import type { Alert } from './alert.type.js';
import { alertsByIds, toAlert } from './alert.service.js';

/**
 * `alertRaised`: alerts as they are committed, on every hub process. A gap in the bus (the
 * LISTEN connection lost) is recovered by `received_at`, which the ingest sets.
 */
export function alertLive(hub: Hub): LiveFeed<AlertRow, Alert, AlertFilter> {
  return new LiveFeed<AlertRow, Alert, AlertFilter>(hub, {
    topic: 'alertRaised',
    subject: 'Alert',
    subjectOf: (row) => ({ ...row }),
    load: (db, ids) => alertsByIds(db, ids),
    timeOf: (row) => row.receivedAt,
    toItem: toAlert,
    checkFilter: (filter) => {
      if (filter.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
      if (filter.near) checkNear(filter.near, 'filter.near');
    },
    filterPath: async (db, filter) => (filter.unitCode ? (await requireUnit(db, filter.unitCode)).path : undefined),
    matches,
    since: (db, from, limit) => db.select().from(alerts).where(gte(alerts.receivedAt, from)).orderBy(asc(alerts.receivedAt)).limit(limit),
  });
}

/** The filter's conditions besides its unit (the feed checks the unit). */
export function matches(row: AlertRow, filter: AlertFilter): boolean {
  if (filter.types && !filter.types.includes(row.type)) return false;
  if (filter.severities && !filter.severities.includes(row.severity)) return false;
  if (filter.statuses && !filter.statuses.includes(row.status)) return false;
  if (filter.from && row.occurredAt < filter.from) return false;
  if (filter.to && row.occurredAt >= filter.to) return false;
  return geoMatches(row, filter);
}
