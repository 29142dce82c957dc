import type express from 'express';
import type { Hub } from '../platform/context.js';
import { open311Router } from '../modules/open311/index.js';
import { boardRouter } from '../web/board.js';
import { graphiqlRouter } from '../web/graphiql.js';
import { reportPageRouter } from '../web/report-page.js';
import { residentPagesRouter } from '../web/resident-pages.js';
import { signInConnectSources, signInRouter } from '../web/sign-in.js';
import { issuerKeys } from '../context.js';
import { httpScope } from './scope.js';
import { metricsRoute } from './observe.js';

export const GRAPHQL_PATH = '/graphql';
/** Where the Open311 facade answers: its discovery document, and GeoReport v2 under /v2. */
export const OPEN311_PATH = '/open311';

/** How long /readyz waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2000;

/** Where the sign-in routes answer (/auth/sign-in, and on the demo /auth/demo/…). */
export const SIGN_IN_PATH = '/auth';

export interface RouteOptions {
  /** Whether the demo sign-in's routes exist (decided at start: the embedded demo, never in production). */
  readonly demoSignIn: boolean;
}

/** Everything on the port besides /graphql: health, sign-in, the pages, the Open311 facade. */
export function mountRoutes(app: express.Express, hub: Hub, options: RouteOptions): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // The identity provider is reported, never waited for: while it is down the keys already
    // fetched keep verifying, local tokens and API keys work, and the hub stays ready.
    const identityProvider = hub.singles.of(issuerKeys)?.status();
    try {
      await Promise.race([hub.database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS))]);
      // The read replica too is reported, never waited for: while it is down reads go to the primary.
      const replica = hub.database.replica?.status();
      res.json({ status: 'ready', database: hub.database.kind, ...(identityProvider ? { identityProvider } : {}), ...(replica ? { replica } : {}) });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', database: hub.database.kind, reason: error instanceof Error ? error.message : 'unknown' });
    }
  });
  app.get('/metrics', metricsRoute(hub));
  app.use(SIGN_IN_PATH, signInRouter(hub, { demo: options.demoSignIn }));
  app.use('/graphiql', graphiqlRouter({ graphqlPath: GRAPHQL_PATH, signInPath: SIGN_IN_PATH, connectSources: () => signInConnectSources(hub) }));
  app.use('/board', boardRouter({ graphqlPath: GRAPHQL_PATH, signInPath: SIGN_IN_PATH, tileUrl: hub.config.boardTileUrl, connectSources: () => signInConnectSources(hub) }));
  app.use('/reports', reportPageRouter(hub));
  // The submit and status pages: SUBMIT_PAGE_PATH and STATUS_PAGE_PATH of channels/channel.qr.ts.
  app.use('/r', residentPagesRouter({ graphqlPath: GRAPHQL_PATH }));
  // Staff authenticate as on /graphql, with Authorization only: X-Api-Key carries a channel token there.
  // The client address (req.ip, under TRUST_PROXY) feeds the resident rate limits, as on /graphql.
  app.use(OPEN311_PATH, open311Router(hub, { scope: httpScope(hub, { apiKeyHeader: false }), allowedOrigins: hub.config.corsOrigins }));
  app.get('/', (_req, res) => {
    res.redirect('/graphiql');
  });
}
