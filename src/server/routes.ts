import type express from 'express';
import type { Hub } from '../platform/context.js';
import { open311Router } from '../modules/open311/index.js';
import { graphiqlRouter } from '../web/graphiql.js';
import { reportPageRouter } from '../web/report-page.js';
import { residentPagesRouter } from '../web/resident-pages.js';
import { httpScope } from './scope.js';

export const GRAPHQL_PATH = '/graphql';
export const OPEN311_PATH = '/open311/v2';

/** How long /readyz waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 2000;

/** Everything on the port besides /graphql: health, the pages, the Open311 facade. */
export function mountRoutes(app: express.Express, hub: Hub): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([hub.database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), READY_TIMEOUT_MS))]);
      res.json({ status: 'ready', database: hub.database.kind });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', database: hub.database.kind, reason: error instanceof Error ? error.message : 'unknown' });
    }
  });
  app.use('/graphiql', graphiqlRouter({ graphqlPath: GRAPHQL_PATH }));
  app.use('/reports', reportPageRouter(hub));
  // The submit and status pages: SUBMIT_PAGE_PATH and STATUS_PAGE_PATH of channels/channel.qr.ts.
  app.use('/r', residentPagesRouter({ graphqlPath: GRAPHQL_PATH }));
  // Staff authenticate as on /graphql, with Authorization only: X-Api-Key carries a channel token there.
  // The client address (req.ip, under TRUST_PROXY) feeds the resident rate limits, as on /graphql.
  app.use(OPEN311_PATH, open311Router(hub, { scope: httpScope(hub, { apiKeyHeader: false }) }));
  app.get('/', (_req, res) => {
    res.redirect('/graphiql');
  });
}
