import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Hub } from '../platform/context.js';
import { createFormatError } from '../platform/graphql/format-error.js';
import { depthLimitRule } from '../platform/graphql/depth-limit.js';
import { graphqlRoute, startGraphql } from './http.js';
import { startWebSocket } from './ws.js';
import { GRAPHQL_PATH, mountRoutes } from './routes.js';

export { GRAPHQL_PATH, OPEN311_PATH } from './routes.js';
export { WsClose } from './ws.js';

export interface RunningServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

/** HTTP, GraphQL, WebSocket and the pages on one port. */
export async function startServer(hub: Hub, schema: GraphQLSchema, port: number, host: string): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // Who may state the client's address in X-Forwarded-For (TRUST_PROXY); req.ip follows it.
  app.set('trust proxy', hub.config.trustProxy);
  const httpServer: Server = createServer(app);
  const validationRules = [depthLimitRule(hub.config.maxQueryDepth)];
  const formatError = createFormatError({
    exposeUnexpected: hub.config.env === 'development',
    log: (error) => hub.log.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  });
  const ws = startWebSocket({ hub, schema, httpServer, app, path: GRAPHQL_PATH, validationRules, formatError });
  const apollo = await startGraphql({ schema, httpServer, validationRules, formatError, drain: () => ws.dispose() });
  mountRoutes(app, hub);
  app.use(GRAPHQL_PATH, ...graphqlRoute(hub, apollo));

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
      ws.close();
    },
  };
}
