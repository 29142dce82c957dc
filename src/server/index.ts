import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Hub } from '../platform/context.js';
import { createFormatError } from '../platform/graphql/format-error.js';
import { depthLimitRule } from '../platform/graphql/depth-limit.js';
import { graphqlRoute, startGraphql } from './http.js';
import { startWebSocket } from './ws.js';
import { graphqlMetricsPlugin, requestObserver } from './observe.js';
import { traceResolvers } from '../platform/tracing.js';
import { corsMiddleware } from './cors.js';
import { errorHandler, notFound, requestGate } from './lifecycle.js';
import { admitOperation, hidesSchemaFrom, type Operation } from './limits.js';
import { GRAPHQL_PATH, mountRoutes, type RouteOptions } from './routes.js';


export interface RunningServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The hub's port, bound before the hub is made: with PORT=0 the OS picks it, and the hub's config can name it. */
export interface BoundPort {
  readonly app: express.Express;
  readonly httpServer: Server;
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** Frees the port (a hub that failed to start). */
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one). Until startServer mounts the routes, every request is answered 404. */
export async function bindPort(port: number, host: string, trustProxy: boolean | number | string): Promise<BoundPort> {
  const app = express();
  app.disable('x-powered-by');
  // Who may state the client's address in X-Forwarded-For (TRUST_PROXY); req.ip follows it.
  app.set('trust proxy', trustProxy);
  const httpServer: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    app,
    httpServer,
    url: `http://${shownHost}:${actualPort}`,
    wsUrl: `ws://${shownHost}:${actualPort}${GRAPHQL_PATH}`,
    port: actualPort,
    close: () => new Promise<void>((resolve) => httpServer.close(() => resolve())),
  };
}

/** HTTP, GraphQL, WebSocket and the pages on the bound port. */
export async function startServer(hub: Hub, schema: GraphQLSchema, bound: BoundPort, options: RouteOptions = { demoSignIn: false }): Promise<RunningServer> {
  const { app, httpServer } = bound;
  const limits = hub.config.limits;
  const gate = requestGate({ graceMs: limits.shutdownGraceSeconds * 1000, timeoutMs: limits.requestTimeoutSeconds * 1000 });
  app.use(requestObserver(hub));
  app.use(gate.middleware);
  const validationRules = [depthLimitRule(hub.config.maxQueryDepth)];
  const formatError = createFormatError({
    exposeUnexpected: hub.config.env === 'development',
    log: (error) => hub.log.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    onRefusal: (code) => hub.metrics.refusals.inc({ code }),
  });
  const admit = (ctx: Parameters<typeof admitOperation>[2], operation: Operation) => admitOperation(hub, schema, ctx, operation);
  // Tracing on: resolvers that run SQL get spans (the schema is this hub's own, wrapped once).
  if (hub.tracer) traceResolvers(schema);
  const ws = startWebSocket({ hub, schema, httpServer, app, path: GRAPHQL_PATH, validationRules, formatError, admit });
  const apollo = await startGraphql({
    schema,
    httpServer,
    validationRules,
    formatError,
    drain: () => ws.dispose(),
    admit,
    hidesSchema: (ctx) => hidesSchemaFrom(hub, ctx),
    maxTokens: hub.config.limits.maxQueryTokens,
    plugins: [graphqlMetricsPlugin(hub)],
  });
  mountRoutes(app, hub, options);
  app.use(GRAPHQL_PATH, corsMiddleware(hub.config.corsOrigins), ...graphqlRoute(hub, apollo));
  app.use(notFound);
  app.use(errorHandler(hub.log));
  return {
    url: bound.url,
    wsUrl: bound.wsUrl,
    port: bound.port,
    async close() {
      // New requests are refused (503) while those in flight finish; only then does the server stop.
      await gate.drain();
      await apollo.stop();
      ws.close();
    },
  };
}
