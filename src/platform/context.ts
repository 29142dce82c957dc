import type { GraphQLError } from 'graphql';
import type { Database, Db } from './db/database.js';
import type { RequestReads } from './db/replica.js';
import type { EventBus, Topics } from './pubsub/bus.js';
import type { Hooks } from './hooks.js';
import type { AppAbility } from './auth/ability.js';
import type { Principal } from './auth/principal.js';
import type { AccessLedger } from './auth/ledger.js';
import type { Config } from '../config.js';
import type { HubMetrics } from './metrics.js';
import type { Tracer } from '@opentelemetry/api';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What lives as long as a hub process: the database, the event bus, what the modules give at
 * each other's hook points, and per-hub singletons (a module's live fan-out, caches) made on
 * first use by `singles.of(factory)`.
 */
export interface Hub {
  readonly config: Config;
  readonly database: Database;
  readonly bus: EventBus<Topics>;
  readonly clock: Clock;
  readonly log: Logger;
  /** This hub's Prometheus metrics (GET /metrics). */
  readonly metrics: HubMetrics;
  /** Set when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): spans per request, resolver with SQL, statement and delivery batch. */
  readonly tracer: Tracer | undefined;
  /** The HS256 key bearer tokens are signed with. */
  readonly jwtSecret: string;
  /** Per-hub memo, as `RequestContext.loaders` is per request: `hub.singles.of(caseLive)` makes a module's live fan-out once. */
  readonly singles: Memo<Hub>;
  /** What the modules of this hub give at a hook point, in the order of the module list. */
  hooks<Name extends keyof Hooks>(name: Name): readonly Hooks[Name][];
  /** Registers work to run at shutdown (after HTTP and WebSocket have drained). */
  onClose(task: () => Promise<void> | void): void;
}

/** Who is on the other end of the connection, as far as the network tells. */
export interface ClientInfo {
  /**
   * The client's address: express's `req.ip` (the TCP peer, or the `X-Forwarded-For` hop that
   * TRUST_PROXY allows), or the WebSocket upgrade request's, worked out the same way.
   */
  readonly ip: string;
}

/** Per request (HTTP) or per subscription (WebSocket). */
export interface RequestContext {
  readonly hub: Hub;
  readonly db: Db;
  /**
   * Where list, count and stats reads go: `await ctx.reads.db()` is the read replica when there
   * is one (DATABASE_REPLICA_URL) that has replayed this principal's writes, the primary (`db`)
   * otherwise, and always in a mutation. Reads that decide access never use it.
   */
  readonly reads: RequestReads<Db>;
  readonly principal: Principal;
  readonly ability: AppAbility;
  /** Per-request memo: `ctx.loaders.of(createUnitLoaders)` makes a module's loaders once. */
  readonly loaders: Memo<Db>;
  /** The network client: what per-client rate limits count by. Undefined when there is none (a context made in-process). */
  readonly client: ClientInfo | undefined;
  /** Why the caller reads personal data, from `x-purpose`; written to the audit log. */
  readonly purpose: string | undefined;
  /** Unmasked personal data returned and attempts refused, for the audit log. */
  readonly ledger: AccessLedger;
  /**
   * On a WebSocket, the ability changes when the connection's grants do: live subscriptions
   * register here to re-index themselves. Absent on HTTP (the access is fixed per request).
   */
  readonly onAccessChange?: (listener: () => void) => () => void;
  /** On a WebSocket: closes the connection (a live subscription whose client is too slow). Absent on HTTP. */
  readonly closeConnection?: (code: number, reason: string) => void;
  /**
   * On a WebSocket: tells the client that this operation's subscription is registered, in a
   * graphql-ws `ping` whose payload is `{ subscribed: <operation id>, ...payload }`. Absent on HTTP.
   */
  readonly announceLive?: (payload: Record<string, unknown>) => void;
  /**
   * The same request acting as another principal, with that principal's own ability (and
   * grants): for a credential presented inside the operation rather than in `Authorization`
   * (a resident's channel token is an argument of `submitResidentRequest`). Only for a
   * principal that credential has just proven; never for one a caller merely names.
   */
  readonly actingAs: (principal: Principal) => Promise<RequestContext>;
}

/**
 * How an entry point runs a request (src/server/scope.ts), the same on every one of them:
 * `open` authenticates the caller and builds the request's context; `deny` notes every
 * FORBIDDEN among errors as a denial; `close` writes what the ledger noted to the audit log,
 * once the answer is made, and resolves to the error to answer with instead when the answer
 * carried personal data in full that could not be audited (fail closed).
 */
export interface RequestScope<Source> {
  open(source: Source): Promise<RequestContext>;
  deny(ctx: RequestContext, errors: readonly GraphQLError[]): void;
  close(ctx: RequestContext): Promise<GraphQLError | undefined>;
}

/** What each factory makes, made once per memo: the per-request loaders, the per-hub singletons. */
export class Memo<Input> {
  private readonly made = new Map<(input: Input) => unknown, unknown>();
  /** `input`: gives what every factory is given (a function, so that a memo may be part of its own input, as the hub's is). */
  constructor(private readonly input: () => Input) {}
  of<T>(factory: (input: Input) => T): T {
    if (!this.made.has(factory)) this.made.set(factory, factory(this.input()));
    return this.made.get(factory) as T;
  }
}
