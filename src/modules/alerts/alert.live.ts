import type { Hub, RequestContext } from '../../platform/context.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan } from '../../platform/auth/guard.js';
import { scopeRoots } from '../../platform/auth/scope-roots.js';
import { isWithin, lastCode } from '../../platform/auth/scope.js';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from '../../platform/pubsub/fanout.js';
import { BoundedQueue } from '../../platform/pubsub/queue.js';
import { checkBoundingBox, checkNear, geoMatches } from '../../platform/db/geo.js';
import type { Topics } from '../../topics.js';
import { requireUnit } from '../units/index.js';
import type { AlertRow } from './alert.table.js';
import type { AlertFilter } from './alert.input.js';
import type { Alert } from './alert.type.js';
import { alertsByIds, toAlert } from './alert.service.js';

/** How many undelivered alerts a subscriber may have queued before it is dropped. */
export const SUBSCRIBER_QUEUE_CAPACITY = 1000;

/**
 * The per-process fan-out of `alertRaised`: one LISTEN, one load of each batch's records, then
 * subscribers found through the unit index and each one's own ability and filter.
 */
export class AlertLive {
  private readonly fanout = new UnitIndexedFanout<AlertRow>();
  private readonly ready: Promise<unknown>;

  constructor(private readonly hub: Hub) {
    this.ready = hub.bus.subscribe('alertRaised', (event) => void this.onEvent(event as Topics['alertRaised']));
  }

  get subscribers(): number {
    return this.fanout.size;
  }

  private async onEvent(event: Topics['alertRaised']): Promise<void> {
    if (this.fanout.size === 0) return;
    try {
      const rows = await alertsByIds(this.hub.database.db, event.ids);
      rows.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
      for (const row of rows) this.fanout.dispatch(row);
    } catch (error) {
      this.hub.log.error('alertRaised delivery failed', { error: String(error) });
    }
  }

  async subscribe(ctx: RequestContext, filter: AlertFilter | null | undefined): Promise<AsyncIterableIterator<Alert>> {
    requireCan(ctx, 'read', 'Alert');
    await this.ready;
    if (filter?.bbox) checkBoundingBox(filter.bbox, 'filter.bbox');
    if (filter?.near) checkNear(filter.near, 'filter.near');
    const filterPath = filter?.unitCode ? (await requireUnit(ctx.db, filter.unitCode)).path : undefined;
    // Watch the narrower of the filter's unit and each scope root; rules without a unit → everything.
    const watchedUnits = (): string[] => {
      const roots = scopeRoots(ctx.ability, 'read', 'Alert');
      const rootPaths = roots ?? [];
      if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath, root)))) return [lastCode(filterPath)];
      if (roots === null) return [EVERY_UNIT];
      return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
    };

    let remove: () => void = () => {};
    let stopReindexing: () => void = () => {};
    const queue = new BoundedQueue<Alert>(
      SUBSCRIBER_QUEUE_CAPACITY,
      () => {
        remove();
        stopReindexing();
      },
      () => this.hub.log.info('alertRaised subscriber dropped: queue full', { principal: ctx.principal.name }),
    );
    const watch = () => {
      remove();
      remove = this.fanout.add({
        roots: watchedUnits(),
        offer: (row) => {
          // The ability is read at delivery: a grant made or revoked since subscribing counts.
          if (!ctx.ability.can('read', subject('Alert', { ...row }))) return;
          if (!matches(row, filter, filterPath)) return;
          queue.push(toAlert(row));
        },
      } satisfies Watcher<AlertRow>);
    };
    watch();
    // On a WebSocket the connection's grants may change: re-index under the new scope.
    if (ctx.onAccessChange) stopReindexing = ctx.onAccessChange(watch);
    return queue;
  }
}

export function matches(row: AlertRow, filter: AlertFilter | null | undefined, filterPath: string | undefined): boolean {
  if (!filter) return true;
  if (filterPath && !isWithin(row.unitPath, filterPath)) return false;
  if (filter.types && !filter.types.includes(row.type)) return false;
  if (filter.severities && !filter.severities.includes(row.severity)) return false;
  if (filter.statuses && !filter.statuses.includes(row.status)) return false;
  if (filter.from && row.occurredAt < filter.from) return false;
  if (filter.to && row.occurredAt >= filter.to) return false;
  return geoMatches(row, filter);
}

export function alertLive(hub: Hub): AlertLive {
  return new AlertLive(hub);
}
