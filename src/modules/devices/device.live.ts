import { inArray } from 'drizzle-orm';
import type { Hub } from '../../platform/context.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import { LiveFeed } from '../../platform/pubsub/live-feed.js';
import { requireUnit } from '../units/index.js';
import { devices, type DeviceRow } from './device.table.js';
import type { DeviceFilter } from './device.input.js';
import type { Device } from './device.type.js';
import { toDevice } from './device.loader.js';

/**
 * `deviceStatusChanged` on the shared live machinery (src/platform/pubsub/live-feed.ts): each
 * event's devices loaded once with their status as committed, subscribers found through the
 * unit index, each one's ability and filter applied at delivery. Masking is the DeviceResolver's.
 * Each status change is an event of the live log: a gap in the bus, and a resubscription with
 * `after`, replay the changes missed (each delivers the device as it is when read).
 */
export function deviceLive(hub: Hub): LiveFeed<DeviceRow, Device, DeviceFilter> {
  return new LiveFeed<DeviceRow, Device, DeviceFilter>(hub, {
    topic: 'deviceStatusChanged',
    subject: 'Device',
    subjectOf: (row) => ({ ...row }),
    load: (db, ids) => db.select().from(devices).where(inArray(devices.id, [...ids])),
    toItem: toDevice,
    checkFilter: (filter) => {
      if (filter.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
      if (filter.near) checkNear(filter.near, 'filter.near');
    },
    filterPath: async (db, filter) => (filter.unitCode ? (await requireUnit(db, filter.unitCode)).path : undefined),
    matches: (row, filter) =>
      (!filter.types || filter.types.includes(row.type)) &&
      (!filter.statuses || filter.statuses.includes(row.status)) &&
      (!filter.receivedFrom || row.createdAt >= filter.receivedFrom) &&
      (!filter.receivedTo || row.createdAt < filter.receivedTo) &&
      geoMatches(row, filter),
  });
}
