// The GraphiQL page must work on an intranet with no internet: everything it loads comes
// from the hub. These tests need no hub and no browser (see graphiql.browser.test.ts).
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlRouter } from '../../src/web/graphiql.js';
import { loadGraphiqlAssets, type Assets } from '../../src/web/graphiql/bundle.js';
import { createHubFetcher, type HubFetcher } from '../../src/web/graphiql/browser/fetcher.js';
import { DEFAULT_HEADERS, DEFAULT_QUERY, TOKEN_PLACEHOLDER } from '../../src/web/graphiql/browser/defaults.js';

// Ways a browser bundle could pull code, styles or fonts from the internet at run time.
const EXTERNAL_LOADERS = [
  'esm.sh',
  'unpkg.com',
  'cdn.jsdelivr',
  'jsdelivr.net',
  'cdnjs.cloudflare',
  'cdn.skypack',
  'fonts.googleapis',
  'fonts.gstatic',
  'ajax.googleapis',
  'googletagmanager',
];

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Every src/href of the tags a browser would fetch something for. */
function tagUrls(html: string): { tag: string; url: string }[] {
  const found: { tag: string; url: string }[] = [];
  for (const match of html.matchAll(/<(script|link|img|iframe|source)\b[^>]*>/gi)) {
    for (const attr of match[0].matchAll(/\b(?:src|href)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      found.push({ tag: match[0], url: attr[2] ?? attr[3] ?? attr[4] ?? '' });
    }
  }
  return found;
}

describe('GraphiQL router', () => {
  let server: Server;
  let base: string;
  let assets: Assets;

  beforeAll(async () => {
    const app = express();
    app.use('/graphiql', graphiqlRouter({ graphqlPath: '/graphql' }));
    server = createServer(app);
    base = await listen(server);
    // The first build takes a few seconds (less with node_modules/.cache filled).
    assets = await loadGraphiqlAssets();
  }, 120_000);

  afterAll(async () => {
    await close(server);
  });

  it.each(['/graphiql', '/graphiql/'])('serves the page at %s', async (path) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>gridhub GraphiQL</title>');
    expect(html).toContain('data-graphql-path="/graphql"');
  });

  it('refers only to same-origin assets, and each one is served', async () => {
    const html = await (await fetch(`${base}/graphiql`)).text();
    const urls = tagUrls(html);
    expect(urls.map((u) => u.url)).toEqual(
      expect.arrayContaining(['/graphiql/assets/graphiql.js', '/graphiql/assets/graphiql.css']),
    );
    for (const { tag, url } of urls) {
      expect(tag).not.toMatch(/https?:\/\//i);
      if (url.startsWith('data:')) continue; // the empty favicon: nothing to fetch
      expect(url, tag).not.toMatch(/^\/\//); // protocol-relative would leave the origin
      const resolved = new URL(url, `${base}/graphiql`);
      expect(resolved.origin, tag).toBe(base);
      const response = await fetch(resolved);
      expect(response.status, url).toBe(200);
    }
  });

  it('sends a Content-Security-Policy that allows no other origin', async () => {
    const csp = (await fetch(`${base}/graphiql`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const host = new URL(base).host;
    for (const source of csp.split(/[;\s]+/)) {
      if (/^(?:https?|wss?):/.test(source)) expect(new URL(source).host).toBe(host);
    }
  });

  it('keeps a crafted Host header from adding CSP directives', async () => {
    const { port } = server.address() as AddressInfo;
    const csp = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/graphiql', headers: { host: "x; script-src * 'unsafe-eval'" } }, (res) => {
        res.resume();
        resolve(String(res.headers['content-security-policy']));
      }).on('error', reject);
    });
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('serves every built asset, and every import in the JS resolves to one', async () => {
    expect(assets.size).toBeGreaterThan(5);
    for (const name of ['graphiql.js', 'graphiql.css', 'editor.worker.js', 'json.worker.js', 'graphql.worker.js']) {
      expect(assets.has(name), name).toBe(true);
    }
    for (const [name, asset] of assets) {
      const response = await fetch(`${base}/graphiql/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toBe(asset.contentType);
      expect(Buffer.from(await response.arrayBuffer()).equals(asset.body), name).toBe(true);
      if (!name.endsWith('.js')) continue;
      // esbuild writes chunk imports as "./name.js" (static and dynamic).
      for (const [, imported] of asset.body.toString('utf8').matchAll(/["']\.\/([\w.-]+\.js)["']/g)) {
        expect(assets.has(imported ?? ''), `${name} imports ${imported}`).toBe(true);
      }
    }
  });

  it('has no external loader in any served JS or CSS', () => {
    for (const [name, asset] of assets) {
      const text = asset.body.toString('utf8');
      for (const host of EXTERNAL_LOADERS) expect(text.includes(host), `${name} mentions ${host}`).toBe(false);
      // No code or worker loaded from an absolute URL.
      expect(text, name).not.toMatch(/\bimport\s*\(\s*["'`](?:https?:)?\/\//);
      expect(text, name).not.toMatch(/\bimportScripts\s*\(\s*["'`](?:https?:)?\/\//);
      expect(text, name).not.toMatch(/\bnew\s+(?:Shared)?Worker\s*\(\s*["'`](?:https?:)?\/\//);
      if (name.endsWith('.css')) {
        // Fonts and images are inlined as data: URLs; nothing else may be fetched.
        for (const [, url] of text.matchAll(/url\(\s*["']?([^"')]*)/g)) expect(url, name).toMatch(/^data:/);
        expect(text, name).not.toMatch(/@import/);
      }
    }
  });

  it('answers 304 to a matching ETag and gzips when asked', async () => {
    const first = await fetch(`${base}/graphiql/assets/graphiql.css`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    await first.arrayBuffer();
    // A browser revalidating sends If-None-Match alone; fetch() would add
    // `Cache-Control: no-cache` (which forbids a 304) unless one is given.
    const again = await fetch(`${base}/graphiql/assets/graphiql.css`, {
      headers: { 'if-none-match': etag ?? '', 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
    // fetch asks for gzip by default and decodes it; the header says it was used.
    const zipped = await fetch(`${base}/graphiql/assets/graphiql.js`);
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await zipped.arrayBuffer()).equals(assets.get('graphiql.js')?.body ?? Buffer.alloc(0))).toBe(true);
  });

  it('answers 404 for an unknown asset', async () => {
    expect((await fetch(`${base}/graphiql/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/graphiql/assets/..%2Fbundle.ts`)).status).toBe(404);
  });

  it('prefills the Authorization header and a query on `me`', () => {
    expect(JSON.parse(DEFAULT_HEADERS)).toEqual({ Authorization: TOKEN_PLACEHOLDER });
    expect(TOKEN_PLACEHOLDER).toBe('Bearer <paste the output of: npx gridhub token city.admin>');
    expect(DEFAULT_QUERY).toMatch(/\{\s*me\s*\{\s*name\s+roles\s+unit\s*\{\s*code\s+name\s+tier\s*\}\s*\}\s*\}/);
  });
});

describe('GraphiQL fetcher', () => {
  interface Ctx {
    readonly authorization: string | null;
  }
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { unused: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType<unknown, Ctx>({
      name: 'Subscription',
      fields: {
        whoami: {
          type: new GraphQLNonNull(GraphQLString),
          async *subscribe(_source, _args, ctx: Ctx) {
            yield { whoami: ctx.authorization ?? 'anonymous' };
          },
        },
      },
    }),
  });

  let server: Server;
  let url: string;
  let fetcher: HubFetcher;
  const posts: { headers: IncomingMessage['headers']; body: unknown }[] = [];
  let sockets = 0;

  beforeAll(async () => {
    // HTTP: echo what arrived, so the test sees how the fetcher sent it.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        posts.push({ headers: req.headers, body: JSON.parse(body) as unknown });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { authorization: req.headers.authorization ?? null } }));
      });
    });
    const wss = new WebSocketServer({ server, path: '/graphql' });
    wss.on('connection', () => (sockets += 1));
    useServer<Record<string, unknown>>(
      {
        schema,
        // Like the hub refusing a bad token: graphql-ws closes with 4403 Forbidden.
        onConnect: (ctx) => ctx.connectionParams?.['authorization'] !== 'Bearer rejected',
        context: (ctx): Ctx => {
          const authorization = ctx.connectionParams?.['authorization'];
          return { authorization: typeof authorization === 'string' ? authorization : null };
        },
      },
      wss,
    );
    url = `${await listen(server)}/graphql`;
    fetcher = createHubFetcher({ url, subscriptionUrl: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
  });

  afterAll(async () => {
    await fetcher.dispose();
    await close(server);
  });

  async function collect(result: unknown): Promise<unknown[]> {
    const values: unknown[] = [];
    for await (const value of (await result) as AsyncIterable<unknown>) values.push(value);
    return values;
  }

  it('posts queries and mutations over HTTP with the editor headers', async () => {
    const result = await fetcher(
      { query: 'mutation M { x }', operationName: 'M', variables: { a: 1 } },
      { headers: { Authorization: 'Bearer http-token', 'X-Extra': 7 } },
    );
    expect(result).toEqual({ data: { authorization: 'Bearer http-token' } });
    const sent = posts.at(-1);
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['x-extra']).toBe('7');
    expect(sent?.body).toEqual({ query: 'mutation M { x }', operationName: 'M', variables: { a: 1 } });
  });

  it('sends subscriptions over WebSocket with the Authorization from the editor', async () => {
    const postsBefore = posts.length;
    const [a, b, none] = await Promise.all([
      collect(fetcher({ query: 'subscription { whoami }' }, { headers: { Authorization: 'Bearer a' } })),
      // Header names are case-insensitive; the operation is picked by name.
      collect(
        fetcher(
          { query: 'query Q { unused } subscription S { whoami }', operationName: 'S' },
          { headers: { authorization: 'Bearer b' } },
        ),
      ),
      collect(fetcher({ query: 'subscription { whoami }' }, {})),
    ]);
    expect(a).toEqual([{ data: { whoami: 'Bearer a' } }]);
    expect(b).toEqual([{ data: { whoami: 'Bearer b' } }]);
    expect(none).toEqual([{ data: { whoami: 'anonymous' } }]);
    expect(posts.length).toBe(postsBefore);
  });

  it('shares one socket between concurrent subscriptions with the same token', async () => {
    const before = sockets;
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        collect(fetcher({ query: 'subscription { whoami }' }, { headers: { Authorization: 'Bearer same' } })),
      ),
    );
    expect(results).toEqual([1, 2, 3].map(() => [{ data: { whoami: 'Bearer same' } }]));
    expect(sockets - before).toBe(1);
  });

  it('reports a refused socket as an error, and tries again on the next run', async () => {
    const refused = { headers: { Authorization: 'Bearer rejected' } };
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(collect(fetcher({ query: 'subscription { whoami }' }, refused))).rejects.toThrow(
        'WebSocket closed with code 4403: Forbidden',
      );
    }
    const ok = await collect(fetcher({ query: 'subscription { whoami }' }, { headers: { Authorization: 'Bearer ok' } }));
    expect(ok).toEqual([{ data: { whoami: 'Bearer ok' } }]);
  });

  it('sends a document that does not parse over HTTP, for the server to report', async () => {
    const postsBefore = posts.length;
    await fetcher({ query: 'subscription {' }, {});
    expect(posts.length).toBe(postsBefore + 1);
  });
});
