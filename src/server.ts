import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from './platform/graphql/ws-server.js';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Hub, RequestContext } from './platform/context.js';
import { createFormatError } from './platform/graphql/format-error.js';
import { depthLimitRule } from './platform/graphql/depth-limit.js';
import { authenticate, clientOf, createContext, createLiveContext, issuerKeys, purposeOf, requestAccess } from './context.js';
import { ServiceUnavailableError } from './platform/errors.js';
import { accessRegistry, type LiveAccess } from './access.js';
import { flushLedger, noteForbidden } from './modules/audit/index.js';
import { graphiqlRouter } from './web/graphiql.js';
import { signInConnectSources, signInRouter } from './web/sign-in.js';
import { reportPageRouter } from './web/report-page.js';
import { residentPagesRouter } from './web/resident-pages.js';
import { open311Router } from './modules/open311/index.js';

export const GRAPHQL_PATH = '/graphql';
export const OPEN311_PATH = '/open311/v2';

/** WebSocket close codes the hub uses beyond graphql-ws's own. */
export const WsClose = {
  /** No credentials in `connectionParams.authorization`. */
  Unauthorized: 4401,
  /** Credentials rejected (malformed, forged, expired, revoked, unknown principal), or expired or revoked while open. */
  Forbidden: 4403,
  /** Too slow: a subscription's queue of undelivered events overflowed (LIVE_QUEUE_CAPACITY); see SLOW_CLIENT_CLOSE. */
  TooSlow: 4429,
  /** The credentials could not be checked now (the identity provider unreachable and its key unknown): try again later. */
  TryAgainLater: 1013,
} as const;

export interface ServerOptions {
  /** Whether the demo sign-in's routes exist (decided at start: the embedded demo, never in production). */
  readonly demoSignIn: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

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

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A connection parameter by name, in lower case or with capitals (`Authorization`, `X-Api-Key`); blank → undefined. */
function param(params: Record<string, unknown> | undefined | null, name: string): string | undefined {
  const capitalised = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  const value = params?.[name] ?? params?.[capitalised];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header as text: Node hands header bytes over one per character (latin1), so a UTF-8
 * value (`x-purpose: 核查火警` from curl) is decoded as UTF-8 when its bytes are valid UTF-8.
 */
function headerText(value: string | string[] | undefined): string | undefined {
  const raw = header(value);
  if (raw === undefined || !/[\x80-\xff]/.test(raw)) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
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

/** HTTP, GraphQL, WebSocket and the pages on one port. */
export async function startServer(hub: Hub, schema: GraphQLSchema, port: number, host: string, options: ServerOptions = { demoSignIn: false }): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // Who may state the client's address in X-Forwarded-For (TRUST_PROXY); req.ip follows it.
  app.set('trust proxy', hub.config.trustProxy);
  const httpServer: Server = createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  const validationRules = [depthLimitRule(hub.config.maxQueryDepth)];
  const formatError = createFormatError({
    exposeUnexpected: hub.config.env === 'development',
    log: (error) => hub.log.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  });

  const registry = hub.single(accessRegistry);
  const connections = new WeakMap<WebSocket, LiveAccess>();
  // Each WebSocket operation's context, for the hooks that are not handed it (onError).
  const operations = new WeakMap<object, Map<string, RequestContext>>();
  const wsRules = [...specifiedRules, ...validationRules];
  const wsDocument = documentCache((document) => validate(schema, document, wsRules));
  const wsCleanup = useServer<Record<string, unknown>>(
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
          const principal = await authenticate(hub, authorization, apiKey);
          const live = await registry.open(principal, (reason) => socket.close(WsClose.Forbidden, closeReason(`Forbidden: ${reason}`)));
          connections.set(socket, live);
          socket.once('close', () => registry.release(live));
          // A key revoked while this connection was being opened: its accessChanged event may
          // have passed before the registry knew the connection. Now that it is registered, look again.
          if (principal.credential.kind === 'API_KEY') await authenticate(hub, authorization, apiKey);
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
        const context = createLiveContext(
          hub,
          live,
          purposeOf(ctx.connectionParams?.['purpose']),
          (code, reason) => socket.close(code, closeReason(reason)),
          clientOf(ctx.extra.clientIp),
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
          noteForbidden(context, errors);
          await flushLedger(context);
        }
        return errors.map((error) => {
          const formatted = formatError(error.toJSON(), error);
          return new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} });
        });
      },
      onNext: async (_ctx, _id, _payload, args, result) => {
        const context = args.contextValue as RequestContext;
        if (result.errors?.length) noteForbidden(context, result.errors);
        await flushLedger(context);
        if (!result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
    },
    wsServer,
    undefined,
    (request) => upgradeClientIp(app, request),
  );

  const apollo = new ApolloServer<RequestContext>({
    schema,
    validationRules,
    formatError,
    includeStacktraceInErrorResponses: false,
    // The hub reads credentials only from the Authorization header, never from cookies, so a
    // cross-site page cannot ride on a user's session: CSRF protection has nothing to guard and
    // would refuse plain `GET /graphql?query=…` (which we allow for queries).
    csrfPrevention: false,
    introspection: true,
    // The CLI handles SIGINT/SIGTERM itself (drain, close the database, release the lock);
    // Apollo's own handlers would race it and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin wraps every field resolution to compute cache
      // hints nobody reads here (no CDN, no response cache): a 1,000-record ingest report is
      // thousands of fields, and it was the largest Apollo cost on a 20-alert page.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      {
        // The audit log: every FORBIDDEN becomes a denial in the request's ledger, and the
        // ledger is written once the response is made, before it is sent.
        async requestDidStart() {
          return {
            async didEncounterErrors({ contextValue, errors }) {
              if (contextValue) noteForbidden(contextValue, errors);
            },
            async willSendResponse({ contextValue }) {
              if (contextValue) await flushLedger(contextValue);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // The identity provider is reported, never waited for: while it is down the keys already
    // fetched keep verifying, local tokens and API keys work, and the hub stays ready.
    const identityProvider = hub.single(issuerKeys)?.status();
    try {
      await Promise.race([hub.database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      res.json({ status: 'ready', database: hub.database.kind, ...(identityProvider ? { identityProvider } : {}) });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', database: hub.database.kind, reason: error instanceof Error ? error.message : 'unknown' });
    }
  });
  app.use('/auth', signInRouter(hub, { demo: options.demoSignIn }));
  app.use('/graphiql', graphiqlRouter({ graphqlPath: GRAPHQL_PATH, signInPath: '/auth', connectSources: () => signInConnectSources(hub) }));
  app.use('/reports', reportPageRouter(hub));
  // The submit and status pages: SUBMIT_PAGE_PATH and STATUS_PAGE_PATH of channels/channel.qr.ts.
  app.use('/r', residentPagesRouter({ graphqlPath: GRAPHQL_PATH }));
  app.use(
    OPEN311_PATH,
    open311Router(hub, {
      // Staff authenticate as on /graphql, with Authorization only: X-Api-Key carries a channel token there.
      // The client address (req.ip, under TRUST_PROXY) feeds the resident rate limits, as on /graphql.
      contextFor: async (req) =>
        createContext(hub, await requestAccess(hub, header(req.headers.authorization)), purposeOf(headerText(req.headers['x-purpose'])), undefined, clientOf(req.ip)),
    }),
  );
  app.get('/', (_req, res) => {
    res.redirect('/graphiql');
  });
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: '10mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const access = await requestAccess(hub, header(req.headers.authorization), header(req.headers['x-api-key']));
        return createContext(hub, access, purposeOf(headerText(req.headers['x-purpose'])), undefined, clientOf(req.ip));
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    wsUrl: `ws://${shownHost}:${actualPort}${GRAPHQL_PATH}`,
    port: actualPort,
    async close() {
      await apollo.stop();
      wsServer.close();
    },
  };
}
