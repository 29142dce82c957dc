import { inArray } from 'drizzle-orm';
import type { Hub, RequestContext } from '../../platform/context.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan } from '../../platform/auth/guard.js';
import { scopeRoots } from '../../platform/auth/scope-roots.js';
import { isWithin, lastCode } from '../../platform/auth/scope.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from '../../platform/pubsub/fanout.js';
import { BoundedQueue } from '../../platform/pubsub/queue.js';
import type { Topics } from '../../topics.js';
import { requireUnit } from '../units/index.js';
import { devices, type DeviceRow } from './device.table.js';
import type { DeviceFilter } from './device.input.js';
import type { Device } from './device.type.js';
import { toDevice } from './device.loader.js';

/** How many undelivered changes a subscriber may have queued before it is dropped. */
export const DEVICE_QUEUE_CAPACITY = 1000;

/**
 * The per-process fan-out of `deviceStatusChanged`, as alert.live.ts does it: one LISTEN, one
 * load of each event's devices (with their status as committed), subscribers found through the
 * unit index, each one's ability and filter applied at delivery. Masking is the DeviceResolver's.
 */
export class DeviceLive {
  private readonly fanout = new UnitIndexedFanout<DeviceRow>();
  private readonly ready: Promise<unknown>;

  constructor(private readonly hub: Hub) {
    this.ready = hub.bus.subscribe('deviceStatusChanged', (event) => void this.onEvent(event as Topics['deviceStatusChanged']));
  }

  get subscribers(): number {
    return this.fanout.size;
  }

  private async onEvent(event: Topics['deviceStatusChanged']): Promise<void> {
    if (this.fanout.size === 0 || event.ids.length === 0) return;
    try {
      const rows = await this.hub.database.db.select().from(devices).where(inArray(devices.id, event.ids));
      for (const row of rows) this.fanout.dispatch(row);
    } catch (error) {
      this.hub.log.error('deviceStatusChanged delivery failed', { error: String(error) });
    }
  }

  async subscribe(ctx: RequestContext, filter: DeviceFilter | null | undefined): Promise<AsyncIterableIterator<Device>> {
    requireCan(ctx, 'read', 'Device');
    if (filter?.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
    if (filter?.near) checkNear(filter.near, 'filter.near');
    await this.ready;
    const filterPath = filter?.unitCode ? (await requireUnit(ctx.db, filter.unitCode)).path : undefined;
    const watchedUnits = (): string[] => {
      const roots = scopeRoots(ctx.ability, 'read', 'Device');
      const rootPaths = roots ?? [];
      if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath, root)))) return [lastCode(filterPath)];
      if (roots === null) return [EVERY_UNIT];
      return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
    };
    let remove: () => void = () => {};
    let stopReindexing: () => void = () => {};
    const queue = new BoundedQueue<Device>(
      DEVICE_QUEUE_CAPACITY,
      () => {
        remove();
        stopReindexing();
      },
      () => this.hub.log.info('deviceStatusChanged subscriber dropped: queue full', { principal: ctx.principal.name }),
    );
    const watch = () => {
      remove();
      remove = this.fanout.add({
        roots: watchedUnits(),
        offer: (row) => {
          if (!ctx.ability.can('read', subject('Device', { ...row }))) return;
          if (!matches(row, filter, filterPath)) return;
          queue.push(toDevice(row));
        },
      } satisfies Watcher<DeviceRow>);
    };
    watch();
    if (ctx.onAccessChange) stopReindexing = ctx.onAccessChange(watch);
    return queue;
  }
}

function matches(row: DeviceRow, filter: DeviceFilter | null | undefined, filterPath: string | undefined): boolean {
  if (!filter) return true;
  if (filterPath && !isWithin(row.unitPath, filterPath)) return false;
  if (filter.types && !filter.types.includes(row.type)) return false;
  if (filter.statuses && !filter.statuses.includes(row.status)) return false;
  return geoMatches(row, filter);
}

export function deviceLive(hub: Hub): DeviceLive {
  return new DeviceLive(hub);
}
