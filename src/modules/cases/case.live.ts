import type { Hub, RequestContext } from '../../platform/context.js';
import { requireCan } from '../../platform/auth/guard.js';
import { scopeRoots } from '../../platform/auth/scope-roots.js';
import { isWithin, lastCode } from '../../platform/auth/scope.js';
import { EVERY_UNIT, UnitIndexedFanout, type Watcher } from '../../platform/pubsub/fanout.js';
import { BoundedQueue } from '../../platform/pubsub/queue.js';
import type { Topics } from '../../topics.js';
import { requireUnit } from '../units/index.js';
import type { Case } from './case.type.js';
import type { CaseChangedFilter } from './case.input.js';
import { caseSubject, casesByIds, toCase } from './case.service.js';

/** How many undelivered changes a subscriber may have queued before it is dropped. */
export const SUBSCRIBER_QUEUE_CAPACITY = 1000;

/**
 * A delivery candidate: the case, indexed once under the unit where it happened and once under
 * its assignee unit (`unitPath` is the path the fan-out walks). `event` tells a subscriber
 * that reaches it both ways that it already decided.
 */
interface Offer {
  unitPath: string;
  record: Case;
  event: number;
}

/**
 * The per-process fan-out of `caseChanged` (the pattern of alert.live.ts): one LISTEN, one
 * load of each event's cases (their state after the change), subscribers found through the
 * unit index by the case's unit AND its assignee unit, each one's ability (read at delivery)
 * and filter applied, each subscriber behind a bounded queue.
 */
export class CaseLive {
  private readonly fanout = new UnitIndexedFanout<Offer>();
  private readonly ready: Promise<unknown>;
  private events = 0;

  constructor(private readonly hub: Hub) {
    this.ready = hub.bus.subscribe('caseChanged', (event) => void this.onEvent(event as Topics['caseChanged']));
  }

  get subscribers(): number {
    return this.fanout.size;
  }

  private async onEvent(event: Topics['caseChanged']): Promise<void> {
    if (this.fanout.size === 0) return;
    try {
      const rows = await casesByIds(this.hub.database.db, event.ids);
      for (const row of rows) {
        const record = toCase(row);
        const id = ++this.events;
        this.fanout.dispatch({ unitPath: record.unitPath, record, event: id });
        if (record.assigneePath !== record.unitPath) this.fanout.dispatch({ unitPath: record.assigneePath, record, event: id });
      }
    } catch (error) {
      this.hub.log.error('caseChanged delivery failed', { error: String(error) });
    }
  }

  async subscribe(ctx: RequestContext, filter: CaseChangedFilter | null | undefined): Promise<AsyncIterableIterator<Case>> {
    requireCan(ctx, 'read', 'Case');
    await this.ready;
    const filterPath = filter?.unitCode ? (await requireUnit(ctx.db, filter.unitCode)).path : undefined;
    const watchedUnits = (): string[] => {
      const roots = scopeRoots(ctx.ability, 'read', 'Case');
      const rootPaths = roots ?? [];
      if (filterPath && (roots === null || rootPaths.some((root) => isWithin(filterPath, root)))) return [lastCode(filterPath)];
      if (roots === null) return [EVERY_UNIT];
      return rootPaths.filter((root) => !filterPath || isWithin(root, filterPath)).map(lastCode);
    };

    let remove: () => void = () => {};
    let stopReindexing: () => void = () => {};
    let lastEvent = 0;
    const queue = new BoundedQueue<Case>(
      SUBSCRIBER_QUEUE_CAPACITY,
      () => {
        remove();
        stopReindexing();
      },
      () => this.hub.log.info('caseChanged subscriber dropped: queue full', { principal: ctx.principal.name }),
    );
    const watch = () => {
      remove();
      remove = this.fanout.add({
        roots: watchedUnits(),
        offer: (offer) => {
          if (offer.event === lastEvent) return;
          lastEvent = offer.event;
          const c = offer.record;
          if (!ctx.ability.can('read', caseSubject(c))) return;
          if (!matches(c, filter, filterPath)) return;
          queue.push(c);
        },
      } satisfies Watcher<Offer>);
    };
    watch();
    if (ctx.onAccessChange) stopReindexing = ctx.onAccessChange(watch);
    return queue;
  }
}

export function matches(c: Case, filter: CaseChangedFilter | null | undefined, filterPath: string | undefined): boolean {
  if (!filter) return true;
  if (filterPath && !isWithin(c.unitPath, filterPath) && !isWithin(c.assigneePath, filterPath)) return false;
  if (filter.states && !filter.states.includes(c.state)) return false;
  if (filter.categories && !filter.categories.includes(c.category)) return false;
  return true;
}

export function caseLive(hub: Hub): CaseLive {
  return new CaseLive(hub);
}
