import type { Request, RequestHandler, Response } from 'express';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';

/**
 * Apollo Server on an express route: what `@as-integrations/express5` does, with the answer
 * written by `res.end` instead of express's `res.send`. `send` turned every answer into a
 * Buffer a second time and hashed it for an ETag (SHA-1 of the whole body) that no GraphQL
 * client sends back: a POST is never revalidated, and a GET query's answer is personal and
 * changes with the data. The pages (GraphiQL, the resident pages) keep their ETags: they do not
 * come through here.
 *
 * Needs `express.json()` before it, as the package's middleware does.
 */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: ContextFunction<[{ req: Request; res: Response }], TContext>,
): RequestHandler {
  server.assertStarted('apolloHandler()');
  return async (req, res) => {
    if (!('body' in req)) {
      res.status(500).send('`req.body` is not set: the json middleware must run before the GraphQL handler.');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.url.indexOf('?');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers,
        search: query === -1 ? '' : req.url.slice(query),
        body: req.body,
      },
      context: () => context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      // node sets Content-Length from the one chunk (and sends no body to a HEAD).
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
      if (typeof (res as { flush?: () => void }).flush === 'function') (res as unknown as { flush: () => void }).flush();
    }
    res.end();
  };
}
