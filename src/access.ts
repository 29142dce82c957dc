import type { Hub } from './platform/context.js';
import type { AppAbility } from './platform/auth/ability.js';
import type { Principal } from './platform/auth/principal.js';
import type { AccessGrant } from './platform/auth/grant.js';
import type { Topics } from './platform/pubsub/bus.js';
import { activeGrantsFor } from './modules/grants/index.js';
import { loadPrincipal } from './modules/principals/index.js';
import { abilityFor } from './policy.js';
import { isWithin } from './platform/auth/scope.js';

/** What a principal may do right now: itself, the grants in force for it, and the ability built from both. */
export interface Access {
  readonly principal: Principal;
  readonly grants: readonly AccessGrant[];
  readonly ability: AppAbility;
}

export async function accessFor(hub: Hub, principal: Principal, db = hub.database.db): Promise<Access> {
  const now = hub.clock.now();
  const grants = await activeGrantsFor(db, principal, now);
  return { principal, grants, ability: abilityFor(principal, grants, now) };
}

/**
 * How long a cached access may be served at most. Changes made through the hub (grants, keys,
 * principals) clear the cache at once on every process through `accessChanged`; this bounds
 * how long a change made behind the hub's back (SQL typed into the database) goes unseen.
 */
const ACCESS_CACHE_MAX_AGE_MS = 30_000;

interface CachedAccess {
  /** The principal as loaded; each request adds its own credential and expiry. */
  principal: Principal;
  grants: readonly AccessGrant[];
  ability: AppAbility;
  /** Served until then: the earliest grant expiry, or the maximum age. */
  validUntil: number;
}

/**
 * Per hub process: what a bearer token's principal may do (the principal with its unit and
 * department, its active grants, the ability built from them), by principal name — so that a
 * request spends no query on who is calling. Cleared whole by every `accessChanged` event
 * (a grant made or revoked, a key revoked, a principal changed: on every process sharing the
 * database, as soon as the event arrives), when the bus reconnects (events may have been
 * lost), and an entry lapses at its first grant expiry and after ACCESS_CACHE_MAX_AGE_MS.
 * API keys are not cached: a key is looked up on every request (README, "Adapter keys").
 */
export class AccessCache {
  private readonly entries = new Map<string, Promise<CachedAccess>>();
  private generation = 0;
  /** Nothing is cached before the LISTEN is in place: an event in between would be missed. */
  private readonly listening: Promise<unknown>;

  constructor(private readonly hub: Hub) {
    this.listening = hub.bus.subscribe('accessChanged', () => this.clear(), () => this.clear());
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** The access of a principal named by a verified token, with that token's expiry. */
  async forToken(name: string, expiresAt: number): Promise<Access> {
    await this.listening;
    const entry = this.entries.get(name) ?? this.load(name);
    let cached = await entry;
    if (cached.validUntil <= this.hub.clock.now().getTime()) {
      if (this.entries.get(name) === entry) this.entries.delete(name);
      cached = await (this.entries.get(name) ?? this.load(name));
    }
    return { principal: { ...cached.principal, expiresAt, credential: { kind: 'JWT', id: null } }, grants: cached.grants, ability: cached.ability };
  }

  private load(name: string): Promise<CachedAccess> {
    const generation = this.generation;
    const loading = (async (): Promise<CachedAccess> => {
      // On the live connections: a cold cache does not queue behind the main pool's transactions.
      const db = this.hub.database.liveDb;
      const principal = await loadPrincipal(db, name, null);
      const now = this.hub.clock.now();
      const grants = await activeGrantsFor(db, principal, now);
      const validUntil = Math.min(now.getTime() + ACCESS_CACHE_MAX_AGE_MS, ...grants.map((g) => g.expiresAt.getTime()));
      return { principal, grants, ability: abilityFor(principal, grants, now), validUntil };
    })();
    this.entries.set(name, loading);
    // A failure (unknown or disabled principal) is not kept; nor is a load an event overtook.
    loading.then(
      () => {
        if (generation !== this.generation && this.entries.get(name) === loading) this.entries.delete(name);
      },
      () => {
        if (this.entries.get(name) === loading) this.entries.delete(name);
      },
    );
    return loading;
  }
}

export function accessCache(hub: Hub): AccessCache {
  return new AccessCache(hub);
}

/** Node timers hold at most 2^31-1 ms; a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A WebSocket connection's access. Rebuilt when a grant of its principal is made or revoked
 * (an `accessChanged` event from any hub process) and when one of its grants expires; ended
 * when its API key is revoked or its principal disabled. Subscriptions read `current` for
 * every delivery and re-index themselves on `onChange`.
 */
export class LiveAccess {
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly hub: Hub,
    public current: Access,
    private readonly end: (reason: string) => void,
  ) {
    this.armExpiry();
  }

  get principal(): Principal {
    return this.current.principal;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refresh(): Promise<void> {
    if (this.closed) return;
    try {
      const principal = this.current.principal;
      const reloaded = { ...(await loadPrincipal(this.hub.database.db, principal.name, principal.expiresAt)), credential: principal.credential };
      this.current = await accessFor(this.hub, reloaded);
    } catch (error) {
      this.revoke(error instanceof Error ? error.message : 'credentials no longer valid');
      return;
    }
    this.armExpiry();
    for (const listener of this.listeners) listener();
  }

  revoke(reason: string): void {
    if (this.closed) return;
    this.close();
    this.end(reason);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private armExpiry(): void {
    clearTimeout(this.timer);
    const now = this.hub.clock.now().getTime();
    const next = Math.min(...this.current.grants.map((g) => g.expiresAt.getTime()));
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(() => void this.refresh(), Math.min(Math.max(next - now, 0) + 5, MAX_TIMER_MS));
    this.timer.unref();
  }
}

/** The open connections of one hub process, told by `accessChanged` which to rebuild or end. */
export class AccessRegistry {
  private readonly connections = new Set<LiveAccess>();

  constructor(private readonly hub: Hub) {
    void hub.bus.subscribe('accessChanged', (event) => this.onEvent(event));
  }

  /** Registers a connection whose access is known (the access cache's, for a bearer token). */
  open(access: Access, end: (reason: string) => void): LiveAccess {
    const live = new LiveAccess(this.hub, access, end);
    this.connections.add(live);
    return live;
  }

  release(live: LiveAccess): void {
    live.close();
    this.connections.delete(live);
  }

  get size(): number {
    return this.connections.size;
  }

  private onEvent(event: Topics['accessChanged']): void {
    for (const live of this.connections) {
      const principal = live.principal;
      if (event.apiKeyId && principal.credential.kind === 'API_KEY' && principal.credential.id === event.apiKeyId) {
        live.revoke('API key revoked');
      } else if (
        (event.granteeUnitCode && principal.unit?.code === event.granteeUnitCode) ||
        (event.granteeDepartmentCode && principal.department?.code === event.granteeDepartmentCode) ||
        (event.principal && principal.name === event.principal) ||
        (event.unitPath && placedWithin(principal, event.unitPath))
      ) {
        void live.refresh();
      }
    }
  }
}

/** The principal works, or its department owns data, within the units at `path`. */
function placedWithin(principal: Principal, path: string): boolean {
  return [principal.unit?.path, principal.department?.jurisdiction.path].some((own) => own !== undefined && isWithin(own, path));
}

export function accessRegistry(hub: Hub): AccessRegistry {
  return new AccessRegistry(hub);
}
