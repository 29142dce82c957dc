// GraphiQL in a real (headless) Chromium against a toy GraphQL server shaped like the
// hub: express 5 + Apollo Server 5 over HTTP, graphql-ws on the same port and path.
// Checks that the page loads nothing from another host, and that the Authorization
// header typed into the headers editor reaches the server over HTTP and over WebSocket.
// Runs only where Debian's chromium is installed (CI installs it); never downloads one.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { collectPageErrors, hasChromium, keepToOrigin, launchChromium } from '../helpers/browser.js';
import { HEADERS_EDITOR, plain, QUERY_EDITOR, replaceEditorText, run } from '../helpers/graphiql-page.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlRouter } from '../../src/web/graphiql.js';
import { loadGraphiqlAssets } from '../../src/web/graphiql/bundle.js';
import { TOKEN_PLACEHOLDER } from '../../src/web/graphiql/browser/defaults.js';


interface Ctx {
  readonly authorization: string | null;
}

const Tick = new GraphQLObjectType({
  name: 'Tick',
  fields: {
    n: { type: new GraphQLNonNull(GraphQLInt) },
    authorization: { type: GraphQLString },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType<unknown, Ctx>({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, resolve: (_source, _args, ctx) => `hello ${ctx.authorization ?? 'anonymous'}` },
    },
  }),
  subscription: new GraphQLObjectType<unknown, Ctx>({
    name: 'Subscription',
    fields: {
      tick: {
        type: new GraphQLNonNull(Tick),
        async *subscribe(_source, _args, ctx: Ctx) {
          for (let n = 1; n <= 3; n++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            yield { tick: { n, authorization: ctx.authorization } };
          }
        },
      },
    },
  }),
});

async function startToyHub(): Promise<{ base: string; stop: () => Promise<void> }> {
  const app = express();
  const http = createServer(app);
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const wsServer = useServer<Record<string, unknown>>(
    {
      schema,
      context: (ctx): Ctx => {
        const authorization = ctx.connectionParams?.['authorization'];
        return { authorization: typeof authorization === 'string' ? authorization : null };
      },
    },
    wss,
  );
  const apollo = new ApolloServer<Ctx>({
    schema,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http }),
      { serverWillStart: async () => ({ drainServer: async () => void (await wsServer.dispose()) }) },
    ],
  });
  await apollo.start();
  app.use(
    '/graphql',
    express.json(),
    expressMiddleware(apollo, { context: async ({ req }) => ({ authorization: req.headers.authorization ?? null }) }),
  );
  app.use('/graphiql', graphiqlRouter({ graphqlPath: '/graphql' }));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, stop: () => apollo.stop() };
}

describe.skipIf(!hasChromium)('GraphiQL in Chromium', () => {
  let hub: Awaited<ReturnType<typeof startToyHub>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const blocked: string[] = [];
  const sockets: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Build (or load from the cache) before the clock of the first page load starts.
    await loadGraphiqlAssets();
    hub = await startToyHub();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const origin = new URL(hub.base).origin;
    // Record every request, and make sure a stray one could never reach the internet.
    await keepToOrigin(context, origin, requested, blocked);
    page = await context.newPage();
    page.on('websocket', (socket) => sockets.push(socket.url()));
    collectPageErrors(page, consoleErrors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('shows the editors with the Authorization placeholder in the headers editor', async () => {
    await page.goto(`${hub.base}/graphiql`);
    expect(await page.title()).toBe('gridhub GraphiQL');
    await page.locator(`${QUERY_EDITOR} .view-lines`).waitFor({ timeout: 30_000 });
    const headers = page.locator(`${HEADERS_EDITOR} .view-lines`);
    await expect.poll(async () => plain(await headers.innerText()), { timeout: 15_000 }).toContain(TOKEN_PLACEHOLDER);
    expect(plain(await page.locator(`${QUERY_EDITOR} .view-lines`).innerText())).toContain('me {');
  }, 60_000);

  it('runs a query over HTTP with the header from the editor', async () => {
    await replaceEditorText(page, HEADERS_EDITOR, '{"Authorization": "Bearer first-token"}');
    await replaceEditorText(page, QUERY_EDITOR, '{ hello }');
    expect(await run(page, 'hello Bearer first-token')).toContain('"hello": "hello Bearer first-token"');
  }, 30_000);

  it('runs subscriptions over WebSocket with the header of each run', async () => {
    await replaceEditorText(page, QUERY_EDITOR, 'subscription { tick { n authorization } }');
    const first = await run(page, '"n": 3');
    expect(first).toContain('"authorization": "Bearer first-token"');

    await replaceEditorText(page, HEADERS_EDITOR, '{"Authorization": "Bearer second-token"}');
    await replaceEditorText(page, QUERY_EDITOR, 'subscription Again { tick { n authorization } }');
    const second = await run(page, 'second-token');
    expect(second).toContain('"authorization": "Bearer second-token"');

    const wsUrl = `${hub.base.replace(/^http/, 'ws')}/graphql`;
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sockets)).toEqual(new Set([wsUrl]));
    await page.screenshot({ path: 'test-results/graphiql.png' }).catch(() => undefined);
  }, 60_000);

  it('loaded everything from the hub and logged no error', () => {
    expect(blocked).toEqual([]);
    const hosts = new Set(requested.map((url) => new URL(url).hostname));
    expect([...hosts]).toEqual(['127.0.0.1']);
    // Monaco's workers and lazily loaded chunks came from the hub as well.
    expect(requested.some((url) => url.endsWith('/graphiql/assets/graphql.worker.js'))).toBe(true);
    // CSP violations and failed loads surface as console errors.
    expect(consoleErrors).toEqual([]);
  });
});
