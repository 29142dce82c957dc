// The Open311 GeoReport v2 facade over resident requests, mounted at /open311/v2: JSON only.
//
//   GET  /services.json            the four request categories as services
//   GET  /services/{code}.json     a service's definition (no attributes)
//   POST /requests.json            file a request; api_key = a community channel's token
//   GET  /requests.json            by service_request_id (anyone), or a staff query (Authorization)
//   GET  /requests/{id}.json       one request by tracking code
//
// Errors are Open311's `[{ "code": <HTTP status>, "description": "…" }]`, one per problem.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Hub, RequestContext, RequestScope } from '../../platform/context.js';
import { Open311Error, toOpen311Error } from './open311.error.js';
import { createServiceRequest, findServiceRequest, findServiceRequests, listServices, serviceDefinition } from './open311.service.js';

export interface Open311Options {
  /**
   * The request scope: the caller's context from the request's `Authorization` header (staff:
   * `Bearer <JWT>` or `ApiKey <key>`, as on /graphql; ANONYMOUS without one), denials noted and
   * the ledger written. `X-Api-Key` is not read as a credential: on this API it carries a
   * channel token.
   */
  scope: RequestScope<Request>;
}

/** The largest POST body accepted: a request's fields at their limits take about 12 kB. */
const BODY_LIMIT = '64kb';

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: Request, res: Response, use: (ctx: RequestContext) => RequestContext) => Promise<Answer>;

function formatOf(req: Request): void {
  const format = String(req.params['format'] ?? '');
  if (format !== 'json') throw Open311Error.of(400, `Only JSON is served here: ask for .json, not .${format}`);
}

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
function answer(hub: Hub, scope: RequestScope<Request>, handler: Handler) {
  return async (req: Request, res: Response) => {
    let ctx: RequestContext | undefined;
    let result: Answer;
    try {
      result = await handler(req, res, (made) => (ctx = made));
    } catch (error) {
      if (ctx && (error as GraphQLError | undefined)?.extensions) scope.deny(ctx, [error as GraphQLError]);
      const failure = toOpen311Error(error, hub.log);
      result = { status: failure.status, body: failure.faults, headers: { ...failure.headers } };
    }
    const refused = ctx ? await scope.close(ctx) : undefined;
    if (refused) {
      // Fail closed: the answer carried personal data in full that could not be audited.
      const failure = toOpen311Error(refused, hub.log);
      result = { status: failure.status, body: failure.faults, headers: { ...failure.headers } };
    }
    res.status(result.status).set(result.headers ?? {}).json(result.body);
  };
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
  res.status(failure.status).json(failure.faults);
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
    '/services.:format',
    answer(hub, scope, async (req) => {
      formatOf(req);
      return { status: 200, body: await listServices(db, record(req.query)) };
    }),
  );
  router.get(
    '/services/:code.:format',
    answer(hub, scope, async (req) => {
      formatOf(req);
      return { status: 200, body: await serviceDefinition(db, String(req.params['code']), record(req.query)) };
    }),
  );

  router.post(
    '/requests.:format',
    express.urlencoded({ extended: false, limit: BODY_LIMIT }),
    express.json({ limit: BODY_LIMIT }),
    bodyErrors,
    answer(hub, scope, async (req, _res, use) => {
      formatOf(req);
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
    '/requests.:format',
    answer(hub, scope, async (req, _res, use) => {
      formatOf(req);
      const apiKey = apiKeyOf(req);
      const ctx = use(await scope.open(req));
      return { status: 200, body: await findServiceRequests(ctx, apiKey, record(req.query)) };
    }),
  );
  router.get(
    '/requests/:id.:format',
    answer(hub, scope, async (req, _res, use) => {
      formatOf(req);
      const apiKey = apiKeyOf(req);
      const ctx = use(await scope.open(req));
      return { status: 200, body: await findServiceRequest(ctx, apiKey, String(req.params['id']), record(req.query)) };
    }),
  );

  router.use(
    answer(hub, scope, async (req) => {
      throw Open311Error.of(404, `No such resource: ${req.method} ${req.baseUrl}${req.path}. This API serves GET services.json, GET services/{code}.json, POST requests.json, GET requests.json and GET requests/{id}.json`);
    }),
  );
  return router;
}
