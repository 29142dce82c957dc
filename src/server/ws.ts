import type { IncomingMessage, Server } from 'node:http';
import type express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, Kind, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from '../platform/graphql/ws-server.js';
import type { Hub, RequestContext } from '../platform/context.js';
import { authenticate, connectionAccess } from '../context.js';
import { ErrorCode, ServiceUnavailableError } from '../platform/errors.js';
import { isDatabaseUnavailable } from '../platform/db/outage.js';
import { accessRegistry, type LiveAccess } from '../access.js';
import { closeScope, noteDenials, openLiveScope } from './scope.js';
import { requestIdOf, traceIdOf } from './observe.js';
import { withRequestFields } from '../platform/log.js';
import { upgradeOriginAllowed } from './cors.js';
import type { CostReport, Operation } from './limits.js';
import { LimitExceededError, QueryTooComplexError } from '../platform/errors.js';
import { TOKEN_LIMIT, tokenLimitMessage } from '../platform/graphql/format-error.js';
import { clientOf } from '../context.js';

/**
 * WebSocket close codes the hub uses, chosen by what graphql-ws's client (6.x) does with each:
 * it never reconnects after 4401 (nor 4400, 4409, 4429, 4500 or 1002–1011), and reconnects,
 * within `retryAttempts`, after 4403, 1001, 1006 and 1013.
 */
export const WsClose = {
  /**
   * The credentials will not work again, so reconnecting with them is pointless: none sent;
   * rejected (malformed, forged, expired, revoked, unknown or disabled principal); or expired,
   * revoked or disabled while open. The client does not retry: get new credentials.
   */
  Unauthorized: 4401,
  /** The principal already holds WS_MAX_CONNECTIONS_PER_PRINCIPAL open connections: close one first (the client retries). */
  TooManyConnections: 4430,
  /**
   * Try again later, and the client does: the credentials could not be checked now (the identity
   * provider unreachable and the token's key never fetched), or this client was too slow (its
   * queue of undelivered events overflowed LIVE_QUEUE_CAPACITY; see SLOW_CLIENT_CLOSE).
   */
  TryAgainLater: 1013,
} as const;

/** Node timers hold at most 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

function closeAtExpiry(socket: WebSocket, expiresAtMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAtMs - Date.now();
    if (left <= 0) socket.close(WsClose.Unauthorized, 'Unauthorized: token expired');
    else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

/** A WebSocket close reason holds at most 123 bytes of UTF-8; cut on a character boundary. */
function closeReason(text: string): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > 123) break;
    out += char;
  }
  return out;
}

/** A connection parameter by name, in lower case or with capitals (`Authorization`, `X-Api-Key`); blank → undefined. */
function param(params: Record<string, unknown> | undefined | null, name: string): string | undefined {
  const capitalised = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  const value = params?.[name] ?? params?.[capitalised];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The client address of a request express did not route (a WebSocket upgrade): express's own
 * `req.ip` getter, which applies the app's 'trust proxy' to the socket's peer and
 * `X-Forwarded-For`, read through an object whose prototype is express's request.
 */
function upgradeClientIp(app: express.Express, request: IncomingMessage): string | undefined {
  const view = Object.create(app.request, {
    app: { value: app },
    headers: { value: request.headers },
    socket: { value: request.socket },
    connection: { value: request.socket },
  }) as express.Request;
  return view.ip;
}

const EMPTY: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/** How many distinct operation texts the WebSocket side keeps parsed and validated. */
const DOCUMENT_CACHE_SIZE = 500;

/**
 * Parsed and validated WebSocket operations by their text. Thousands of connections send the
 * same subscription: one parsed document (never changed by execution) serves them all, instead
 * of a syntax tree held per subscription for as long as it is open. The oldest entry goes first
 * when the cache is full. A text that does not parse is not kept: its error is thrown as before.
 */
function documentCache(check: (document: DocumentNode) => readonly GraphQLError[], maxTokens: number): (query: string) => { document: DocumentNode; errors: readonly GraphQLError[] } {
  const entries = new Map<string, { document: DocumentNode; errors: readonly GraphQLError[] }>();
  return (query) => {
    let entry = entries.get(query);
    if (!entry) {
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens });
      } catch (error) {
        // Past MAX_QUERY_TOKENS: a coded refusal of this operation, not a closed connection.
        if (error instanceof GraphQLError && TOKEN_LIMIT.test(error.message)) return { document: EMPTY, errors: [new QueryTooComplexError(tokenLimitMessage(error.message), { maxTokens })] };
        throw error;
      }
      // Apollo's code for an invalid document, as over HTTP; a rule's own coded error (QUERY_TOO_COMPLEX) keeps its code.
      const errors = check(document).map((error) =>
        typeof error.extensions['code'] === 'string' ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }),
      );
      entry = { document, errors };
      if (entries.size >= DOCUMENT_CACHE_SIZE) entries.delete(entries.keys().next().value as string);
      entries.set(query, entry);
    }
    return entry;
  };
}

/**
 * Each connection's request id (the upgrade request's `x-request-id` when sane, echoed on the
 * upgrade response): every log line of its messages carries it, with the upgrade's trace id.
 */
function connectionScopes(wsServer: WebSocketServer): (request: IncomingMessage) => <T>(body: () => T) => T {
  const ids = new WeakMap<IncomingMessage, string>();
  wsServer.on('headers', (headers, request) => {
    const requestId = requestIdOf(request.headers['x-request-id']);
    ids.set(request, requestId);
    headers.push(`x-request-id: ${requestId}`);
  });
  return (request) => {
    const requestId = ids.get(request) ?? requestIdOf(undefined);
    const traceId = traceIdOf(request.headers.traceparent);
    const fields = traceId ? { requestId, traceId } : { requestId };
    return (body) => withRequestFields(fields, body);
  };
}

/** Open connections (a gauge) and connections accepted (a counter), from the upgrade to the close. */
function countConnections(hub: Hub, wsServer: WebSocketServer): void {
  const { websockets, websocketsOpened } = hub.metrics;
  wsServer.on('connection', (socket) => {
    websockets.inc();
    websocketsOpened.inc();
    socket.once('close', () => websockets.dec());
  });
}

export interface WebSocketOptions {
  hub: Hub;
  schema: GraphQLSchema;
  httpServer: Server;
  /** The express app: its 'trust proxy' decides a connection's client address. */
  app: express.Express;
  path: string;
  validationRules: readonly ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** The cost limits (limits.ts): a report, or a coded refusal thrown before the operation runs. */
  admit: (ctx: Pick<RequestContext, 'principal' | 'client'>, operation: Operation) => CostReport;
}

export interface RunningWebSocket extends Disposable {
  /** Stops accepting connections. */
  close(): void;
}

/**
 * GraphQL over WebSocket (graphql-transport-ws) on `path`. A connection authenticates once, in
 * `connectionParams`; its access then follows the principal's grants (AccessRegistry). Each
 * operation runs in the request scope: its own context and ledger, denials noted and the ledger
 * written after every `next` and `error` message.
 */
export function startWebSocket(options: WebSocketOptions): RunningWebSocket {
  const { hub, schema, app, formatError } = options;
  const limits = hub.config.limits;
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    // maxPayload: a larger message closes the connection with 1009 before it is parsed.
    maxPayload: limits.wsMaxPayloadBytes,
    // A browser page from an origin not in CORS_ORIGINS: 403 before the upgrade.
    verifyClient: (info, done) => (upgradeOriginAllowed(hub.config.corsOrigins, info.req.headers) ? done(true) : done(false, 403, 'Origin not allowed')),
  });
  countConnections(hub, wsServer);
  const scopes = connectionScopes(wsServer);
  const openPerPrincipal = new Map<string, number>();
  const registry = hub.singles.of(accessRegistry);
  const connections = new WeakMap<WebSocket, LiveAccess>();
  // Each WebSocket operation's context, for the hooks that are not handed it (onError).
  const operations = new WeakMap<object, Map<string, RequestContext>>();
  const wsRules = [...specifiedRules, ...options.validationRules];
  const wsDocument = documentCache((document) => validate(schema, document, wsRules), limits.maxQueryTokens);
  const disposable = useServer<Record<string, unknown>>(
    {
      schema,
      onSubscribe: (ctx, _id, payload) => {
        let parsed: { document: DocumentNode; errors: readonly GraphQLError[] };
        try {
          parsed = wsDocument(payload.query);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          return [new GraphQLError(error.message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } })];
        }
        const { document, errors } = parsed;
        if (errors.length > 0) return [...errors];
        // ctx.subscriptions holds this operation already.
        const running = Object.keys(ctx.subscriptions).length;
        if (running > limits.wsMaxSubscriptionsPerConnection) {
          return [new LimitExceededError(`This connection already runs ${running - 1} operations; at most ${limits.wsMaxSubscriptionsPerConnection} at once: complete one first`, { limit: limits.wsMaxSubscriptionsPerConnection })];
        }
        const live = connections.get(ctx.extra.socket);
        if (!live) return [new GraphQLError('connection not initialised')];
        try {
          options.admit({ principal: live.current.principal, client: clientOf(ctx.extra.clientIp) }, { document, operationName: payload.operationName, variables: payload.variables });
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const authorization = param(ctx.connectionParams, 'authorization');
        const apiKey = param(ctx.connectionParams, 'x-api-key');
        if (authorization === undefined && apiKey === undefined) {
          socket.close(WsClose.Unauthorized, 'Unauthorized: send connectionParams.authorization (or x-api-key)');
          return false;
        }
        try {
          const access = await connectionAccess(hub, authorization, apiKey);
          const { principal } = access;
          const open = openPerPrincipal.get(principal.name) ?? 0;
          if (open >= limits.wsMaxConnectionsPerPrincipal) {
            socket.close(WsClose.TooManyConnections, closeReason(`Too many connections: ${principal.name} already holds ${open} (at most ${limits.wsMaxConnectionsPerPrincipal})`));
            return false;
          }
          openPerPrincipal.set(principal.name, open + 1);
          socket.once('close', () => {
            const left = (openPerPrincipal.get(principal.name) ?? 1) - 1;
            if (left > 0) openPerPrincipal.set(principal.name, left);
            else openPerPrincipal.delete(principal.name);
          });
          const live = registry.open(access, (reason) => socket.close(WsClose.Unauthorized, closeReason(`Unauthorized: ${reason}`)));
          connections.set(socket, live);
          socket.once('close', () => registry.release(live));
          // A key revoked while this connection was being opened: its accessChanged event may
          // have passed before the registry knew the connection. Now that it is registered, look again.
          if (principal.credential.kind === 'API_KEY') await authenticate(hub, authorization, apiKey, hub.database.liveDb);
          if (principal.expiresAt !== null) closeAtExpiry(socket, principal.expiresAt * 1000);
          return true;
        } catch (error) {
          const message = error instanceof Error ? error.message : 'credentials rejected';
          if (error instanceof ServiceUnavailableError) socket.close(WsClose.TryAgainLater, closeReason(message));
          else if (isDatabaseUnavailable(error)) socket.close(WsClose.TryAgainLater, closeReason('The database cannot be reached; try again shortly'));
          else socket.close(WsClose.Unauthorized, closeReason(`Unauthorized: ${message}`));
          return false;
        }
      },
      context: (ctx, id): RequestContext => {
        const live = connections.get(ctx.extra.socket);
        if (!live) throw new GraphQLError('connection not initialised');
        const socket = ctx.extra.socket;
        // "Live now": graphql-ws has no acknowledgement of a subscription; a ping names it once registered.
        const announce = (payload: Record<string, unknown>) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'ping', payload: { ...payload, subscribed: id } }));
        };
        const context = openLiveScope(
          hub,
          live,
          { purpose: ctx.connectionParams?.['purpose'], ip: ctx.extra.clientIp },
          (code, reason) => socket.close(code, closeReason(reason)),
          announce,
        );
        let byId = operations.get(ctx);
        if (!byId) operations.set(ctx, (byId = new Map()));
        byId.set(id, context);
        return context;
      },
      onComplete: (ctx, id) => {
        operations.get(ctx)?.delete(id);
      },
      // Errors reach a WebSocket client by two roads: protocol/validation errors and errors
      // thrown by a subscription's stream (onError), and errors inside execution (onNext). Both
      // go through the same masking as HTTP. Each `next` message (a query's result, a
      // subscription's event) is followed by writing what its ledger noted to the audit log.
      onError: async (ctx, id, _payload, errors) => {
        const context = operations.get(ctx)?.get(id);
        if (context) {
          noteDenials(context, errors);
          await closeScope(context);
        }
        return errors.map((error) => {
          const formatted = formatError(error.toJSON(), error);
          return new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} });
        });
      },
      onNext: async (_ctx, _id, _payload, args, result) => {
        const context = args.contextValue as RequestContext;
        // A mutation over the WebSocket: the principal's next HTTP reads see it (read replica).
        if (context.hub.database.replica && getOperationAST(args.document, args.operationName)?.operation === 'mutation') await context.reads.wrote();
        if (result.errors?.length) noteDenials(context, result.errors);
        const refused = await closeScope(context);
        // Fail closed: a result or event whose personal data could not be audited is not sent.
        if (refused) return { errors: [formatError(refused.toJSON(), refused)] };
        if (!result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
    },
    wsServer,
    undefined,
    (request) => upgradeClientIp(app, request),
    scopes,
  );
  return {
    dispose: () => disposable.dispose(),
    close: () => wsServer.close(),
  };
}
