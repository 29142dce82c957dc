import type { IncomingMessage, Server } from 'node:http';
import type express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from '../platform/graphql/ws-server.js';
import type { Hub, RequestContext } from '../platform/context.js';
import { authenticate, connectionAccess } from '../context.js';
import { ServiceUnavailableError } from '../platform/errors.js';
import { accessRegistry, type LiveAccess } from '../access.js';
import { closeScope, noteDenials, openLiveScope } from './scope.js';

/** WebSocket close codes the hub uses beyond graphql-ws's own. */
export const WsClose = {
  /** No credentials in `connectionParams.authorization`. */
  Unauthorized: 4401,
  /** Credentials rejected (malformed, forged, expired, revoked, unknown principal), or expired or revoked while open. */
  Forbidden: 4403,
  /** Too slow: a subscription's queue of undelivered events overflowed (LIVE_QUEUE_CAPACITY); see SLOW_CLIENT_CLOSE. */
  TooSlow: 4429,
  /** The credentials could not be checked now (the identity provider unreachable and the token's key never fetched): try again later. */
  TryAgainLater: 1013,
} as const;

/** Node timers hold at most 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

function closeAtExpiry(socket: WebSocket, expiresAtMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAtMs - Date.now();
    if (left <= 0) socket.close(WsClose.Forbidden, 'Forbidden: token expired');
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

/** How many distinct operation texts the WebSocket side keeps parsed and validated. */
const DOCUMENT_CACHE_SIZE = 500;

/**
 * Parsed and validated WebSocket operations by their text. Thousands of connections send the
 * same subscription: one parsed document (never changed by execution) serves them all, instead
 * of a syntax tree held per subscription for as long as it is open. The oldest entry goes first
 * when the cache is full. A text that does not parse is not kept: its error is thrown as before.
 */
function documentCache(check: (document: DocumentNode) => readonly GraphQLError[]): (query: string) => { document: DocumentNode; errors: readonly GraphQLError[] } {
  const entries = new Map<string, { document: DocumentNode; errors: readonly GraphQLError[] }>();
  return (query) => {
    let entry = entries.get(query);
    if (!entry) {
      const document = parse(query);
      entry = { document, errors: check(document) };
      if (entries.size >= DOCUMENT_CACHE_SIZE) entries.delete(entries.keys().next().value as string);
      entries.set(query, entry);
    }
    return entry;
  };
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
  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path });
  const registry = hub.single(accessRegistry);
  const connections = new WeakMap<WebSocket, LiveAccess>();
  // Each WebSocket operation's context, for the hooks that are not handed it (onError).
  const operations = new WeakMap<object, Map<string, RequestContext>>();
  const wsRules = [...specifiedRules, ...options.validationRules];
  const wsDocument = documentCache((document) => validate(schema, document, wsRules));
  const disposable = useServer<Record<string, unknown>>(
    {
      schema,
      onSubscribe: (_ctx, _id, payload) => {
        const { document, errors } = wsDocument(payload.query);
        if (errors.length > 0) return [...errors];
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
          const live = registry.open(access, (reason) => socket.close(WsClose.Forbidden, closeReason(`Forbidden: ${reason}`)));
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
          else socket.close(WsClose.Forbidden, closeReason(`Forbidden: ${message}`));
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
        if (result.errors?.length) noteDenials(context, result.errors);
        await closeScope(context);
        if (!result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
    },
    wsServer,
    undefined,
    (request) => upgradeClientIp(app, request),
  );
  return {
    dispose: () => disposable.dispose(),
    close: () => wsServer.close(),
  };
}
