// The Open311 GeoReport v2 facade over resident requests, mounted at /open311, in XML and JSON
// (every path ends in .xml or .json):
//
//   GET  /discovery.{fmt}             the service discovery document
//   GET  /v2/services.{fmt}           the four request categories as services
//   GET  /v2/services/{code}.{fmt}    a service's definition (no attributes)
//   POST /v2/requests.{fmt}           file a request; api_key = a community channel's token
//   GET  /v2/requests.{fmt}           by service_request_id, the public listing, or a staff query (Authorization)
//   GET  /v2/requests/{id}.{fmt}      one request by tracking code (or the listing's id)
//
// Errors are Open311's `[{ "code": <HTTP status>, "description": "…" }]` (`<errors><error>…`), one per problem.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Hub, RequestContext, RequestScope } from '../../platform/context.js';
import { Open311Error, toOpen311Error } from './open311.error.js';
import { formatOf, formatOfPath, render, type Open311Document, type Open311Format } from './open311.format.js';
import { discoveryDocument } from './open311.discovery.js';
import { createServiceRequest, findServiceRequest, findServiceRequests, listServices, serviceDefinition } from './open311.service.js';

interface Open311Options {
  /**
   * The request scope: the caller's context from the request's `Authorization` header (staff:
   * `Bearer <JWT>` or `ApiKey <key>`, as on /graphql; ANONYMOUS without one), denials noted and
   * the ledger written. `X-Api-Key` is not read as a credential: on this API it carries a
   * channel token.
   */
  scope: RequestScope<Request>;
  /**
   * Origins besides the hub's own whose pages may POST to it (`CORS_ORIGINS`): a POST that a
   * browser sends from any other page (its `Origin` header names it) is refused, so that no web
   * page can make its visitors file requests.
   */
  allowedOrigins: readonly string[];
}

/** The largest POST body accepted: a request's fields at their limits take about 12 kB. */
const BODY_LIMIT = '64kb';

interface Answer {
  status: number;
  document: Open311Document;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: Request, res: Response, use: (ctx: RequestContext) => RequestContext) => Promise<Omit<Answer, 'document'> & { document?: Open311Document }>;

/** A value of the query string or the body, as a record of parameters. */
function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The channel token: the `api_key` parameter (body or query) or the `X-Api-Key` header; two different ones are refused. */
function apiKeyOf(req: Request): string | undefined {
  const sent = [record(req.body)['api_key'], record(req.query)['api_key'], req.get('x-api-key')].flatMap((v) => (Array.isArray(v) ? v : [v]));
  const keys = new Set(sent.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== ''));
  if (keys.size > 1) throw Open311Error.of(400, 'api_key given more than once, with different values');
  return [...keys][0];
}

/**
 * Runs a handler and answers in Open311's shape whatever happens. A handler that needs the
 * caller opens the request scope (`use(await scope.open(req))`): a FORBIDDEN it throws is noted
 * as a denial, and the ledger (unmasked personal data, refusals) is written to the audit log
 * before the answer.
 */
function answer(hub: Hub, scope: RequestScope<Request>, document: Open311Document, handler: Handler) {
  return async (req: Request, res: Response) => {
    let ctx: RequestContext | undefined;
    let result: Answer;
    let format: Open311Format = formatOfPath(req.path);
    try {
      format = formatOf(req.params['format'] ?? format);
      result = { document, ...(await handler(req, res, (made) => (ctx = made))) };
    } catch (error) {
      if (ctx && (error as GraphQLError | undefined)?.extensions) scope.deny(ctx, [error as GraphQLError]);
      result = failed(hub, error);
    }
    const refused = ctx ? await scope.close(ctx) : undefined;
    // Fail closed: the answer carried personal data in full that could not be audited.
    if (refused) result = failed(hub, refused);
    send(res, format, result);
  };
}

function failed(hub: Hub, error: unknown): Answer {
  const failure = toOpen311Error(error, hub.log);
  return { status: failure.status, document: 'errors', body: failure.faults, headers: { ...failure.headers } };
}

function send(res: Response, format: Open311Format, result: Answer): void {
  const { type, text } = render(format, result.document, result.body);
  res.status(result.status).set(result.headers ?? {}).type(type).send(text);
}

/**
 * A POST from a page of another origin: a browser names the page's origin in `Origin`. Allowed
 * are the hub's own origin (as the browser reached it, or PUBLIC_URL's) and `allowedOrigins`; a
 * client that is no browser sends no `Origin` and is not concerned.
 */
function checkOrigin(hub: Hub, req: Request, allowed: readonly string[]): void {
  const origin = req.get('origin');
  if (origin === undefined) return;
  const own = [`${req.protocol}://${req.get('host') ?? ''}`, new URL(hub.config.publicUrl).origin];
  if (own.includes(origin) || allowed.includes(origin)) return;
  throw Open311Error.of(403, `A request cannot be filed from a page of ${origin}: only the hub's own pages and the origins in CORS_ORIGINS may post here`);
}

/** Body parser failures (too large, not JSON, a charset other than UTF-8) in Open311's shape. */
function bodyErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const type = (error as { type?: unknown } | null)?.type;
  const failure =
    type === 'entity.too.large'
      ? Open311Error.of(413, `The body is larger than ${BODY_LIMIT}`)
      : type === 'entity.parse.failed'
        ? Open311Error.of(400, 'The body is not a JSON object')
        : type === 'charset.unsupported' || type === 'encoding.unsupported'
          ? Open311Error.of(415, 'The body must be UTF-8')
          : undefined;
  if (!failure) return next(error);
  send(res, formatOfPath(_req.path), { status: failure.status, document: 'errors', body: failure.faults });
}

export function open311Router(hub: Hub, options: Open311Options): Router {
  const router = Router();
  const db = hub.database.db;
  const { scope } = options;
  router.use((_req, res, next) => {
    res.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    next();
  });

  router.get(
    '/discovery.:format',
    answer(hub, scope, 'discovery', async () => ({ status: 200, body: discoveryDocument(hub.config) })),
  );
  router.get(
    '/v2/services.:format',
    answer(hub, scope, 'services', async (req) => {
      return { status: 200, body: await listServices(db, record(req.query)) };
    }),
  );
  router.get(
    '/v2/services/:code.:format',
    answer(hub, scope, 'definition', async (req) => {
      return { status: 200, body: await serviceDefinition(db, String(req.params['code']), record(req.query)) };
    }),
  );

  router.post(
    '/v2/requests.:format',
    express.urlencoded({ extended: false, limit: BODY_LIMIT }),
    express.json({ limit: BODY_LIMIT }),
    bodyErrors,
    answer(hub, scope, 'requests', async (req, _res, use) => {
      checkOrigin(hub, req, options.allowedOrigins);
      // A body of another type (multipart/form-data, text/plain): `is` says false (null for no body).
      if (req.is(['application/x-www-form-urlencoded', 'application/json']) === false) {
        throw Open311Error.of(415, 'Send the parameters as application/x-www-form-urlencoded (or application/json)');
      }
      const apiKey = apiKeyOf(req);
      const ctx = use(await scope.open(req));
      const created = await createServiceRequest(ctx, apiKey, record(req.body));
      return { status: 201, body: created };
    }),
  );
  router.get(
    '/v2/requests.:format',
    answer(hub, scope, 'requests', async (req, _res, use) => {
      const apiKey = apiKeyOf(req);
      const ctx = use(await scope.open(req));
      return { status: 200, body: await findServiceRequests(ctx, apiKey, record(req.query)) };
    }),
  );
  router.get(
    '/v2/requests/:id.:format',
    answer(hub, scope, 'requests', async (req, _res, use) => {
      const apiKey = apiKeyOf(req);
      const ctx = use(await scope.open(req));
      return { status: 200, body: await findServiceRequest(ctx, apiKey, String(req.params['id']), record(req.query)) };
    }),
  );

  router.use(
    answer(hub, scope, 'errors', async (req) => {
      throw Open311Error.of(404, `No such resource: ${req.method} ${req.baseUrl}${req.path}. This API serves GET discovery, and under v2/: GET services, GET services/{code}, POST requests, GET requests and GET requests/{id}, each as .xml or .json`);
    }),
  );
  return router;
}
