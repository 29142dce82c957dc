import type { Hub } from '../../platform/context.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import { LiveFeed } from '../../platform/pubsub/live-feed.js';
import { requireUnit } from '../units/index.js';
import type { Case } from './case.type.js';
import type { CaseChangedFilter } from './case.input.js';
import { caseSubject, toCase } from './case.model.js';
import { casesByIds } from './case.read.js';

/**
 * `caseChanged`: each case in its state after the change, on every hub process, through the
 * same feed as `alertRaised`. A case lives at two places in the hierarchy (the unit where it
 * happened and its assignee unit): the unit index reaches the subscribers of both, each at most
 * once per change. A case that changes twice is two deliveries, each with its own cursor: the
 * live log keeps every change, so a gap in the bus and a resubscription with `after` replay the
 * changes missed (each delivers the case as it is when read).
 */
export function caseLive(hub: Hub): LiveFeed<Case, Case, CaseChangedFilter> {
  return new LiveFeed<Case, Case, CaseChangedFilter>(hub, {
    topic: 'caseChanged',
    subject: 'Case',
    subjectOf: (c) => ({ ...caseSubject(c) }),
    load: async (db, ids) => (await casesByIds(db, ids)).map(toCase),
    pathsOf: (c) => (c.assigneePath === c.unitPath ? [c.unitPath] : [c.unitPath, c.assigneePath]),
    toItem: (c) => c,
    checkFilter: (filter) => {
      if (filter.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
      if (filter.near) checkNear(filter.near, 'filter.near');
    },
    filterPath: async (db, filter) => (filter.unitCode ? (await requireUnit(db, filter.unitCode)).path : undefined),
    matches,
  });
}

/** The filter's conditions besides its unit (the feed checks the unit, at either place). */
export function matches(c: Case, filter: CaseChangedFilter): boolean {
  if (filter.states && !filter.states.includes(c.state)) return false;
  if (filter.categories && !filter.categories.includes(c.category)) return false;
  if (filter.receivedFrom && c.openedAt < filter.receivedFrom) return false;
  if (filter.receivedTo && c.openedAt >= filter.receivedTo) return false;
  return geoMatches({ lat: c.location?.lat ?? null, lng: c.location?.lng ?? null }, filter);
}
