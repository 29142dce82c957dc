import { randomUUID, timingSafeEqual } from 'node:crypto';
import type express from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Hub, RequestContext } from '../platform/context.js';
import { currentRequestFields, withRequestFields, type RequestLogFields } from '../platform/log.js';

/**
 * Terminology
 * - request id: names one HTTP request (or one WebSocket connection) in the logs: the client's
 *   `x-request-id` when it is sane (1 to 128 of letters, digits and `-_.:/+=@`), otherwise a new
 *   UUID; echoed as `x-request-id` on the response (and on the WebSocket's upgrade response).
 * - route: the first segment of a request's path, among the hub's own (`graphql`, `open311`, …);
 *   anything else is `other`, so that scanners cannot grow the metrics.
 */

const SANE_REQUEST_ID = /^[\w.:/+=@-]{1,128}$/;

/** The request id for a request that sent `header`. */
export function requestIdOf(header: string | string[] | undefined): string {
  const sent = Array.isArray(header) ? header[0] : header;
  return sent !== undefined && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** `traceparent` (W3C Trace Context): version 00, a trace id and a parent id that are not all zeros. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace id an incoming `traceparent` names, when it is well formed. */
export function traceIdOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return match[1];
}

const ROUTES = new Set(['graphql', 'graphiql', 'open311', 'reports', 'r', 'auth', 'healthz', 'readyz', 'metrics']);

function routeOf(path: string): string {
  const first = path.split('/', 2)[1] ?? '';
  if (first === '') return 'root';
  return ROUTES.has(first) ? first : 'other';
}

const propagator = new W3CTraceContextPropagator();

/** The request's server span, child of the caller's `traceparent` when it sent one. */
function requestSpan(tracer: Tracer, req: express.Request, route: string): { span: Span; active: ReturnType<typeof context.active> } {
  const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const span = tracer.startSpan(
    `${req.method} /${route === 'root' ? '' : route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': `/${route}`, 'url.scheme': req.protocol } },
    parent,
  );
  return { span, active: trace.setSpan(parent, span) };
}

/**
 * The first middleware of every request: its request id (echoed), its log fields for everything
 * it runs, its span when tracing is on, and its count and duration by route once the response
 * has ended. A request slower than LOG_SLOW_REQUEST_MS, or answered 5xx, is logged.
 */
export function requestObserver(hub: Hub): express.RequestHandler {
  const { httpRequests, httpDuration } = hub.metrics;
  const { tracer } = hub;
  const slowMs = hub.config.logSlowRequestMs;
  return (req, res, next) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const route = routeOf(req.path);
    const traced = tracer ? requestSpan(tracer, req, route) : undefined;
    const traceId = traced ? traced.span.spanContext().traceId : traceIdOf(req.headers.traceparent);
    const fields: RequestLogFields = traceId ? { requestId, traceId } : { requestId };
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      httpRequests.inc({ route, status: `${Math.floor(res.statusCode / 100)}xx` });
      httpDuration.observe({ route }, seconds);
      if (res.statusCode >= 500 || seconds * 1000 >= slowMs) {
        hub.log.info('request', { ...fields, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
      }
    });
    if (!traced) {
      withRequestFields(fields, next);
      return;
    }
    const { span, active } = traced;
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(active, () => withRequestFields(fields, next));
  };
}

/**
 * GraphQL requests over HTTP by operation: type and name (as the metrics label them), outcome and
 * the first error's code (once formatted: a code of the catalogue), and the time to the response.
 */
export function graphqlMetricsPlugin(hub: Hub): ApolloServerPlugin<RequestContext> {
  const { graphqlRequests, graphqlDuration } = hub.metrics;
  return {
    async requestDidStart() {
      const started = performance.now();
      const span = hub.tracer ? trace.getActiveSpan() : undefined;
      const fields = currentRequestFields();
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const name = operationName ?? operation.name?.value;
          if (fields) fields.operation = `${operation.operation} ${name ?? 'anonymous'}`;
          span?.updateName(`${operation.operation}${name ? ` ${name}` : ''}`);
          span?.setAttributes({ 'graphql.operation.type': operation.operation, ...(name ? { 'graphql.operation.name': name } : {}) });
        },
        async willSendResponse({ operation, operationName, response }) {
          const type = operation?.operation ?? 'unknown';
          const name = hub.metrics.operationLabel(operation ? (operationName ?? operation.name?.value) : 'invalid');
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.['code'];
          graphqlRequests.inc({ type, operation: name, outcome: errors?.length ? 'error' : 'ok', code: typeof code === 'string' ? code : 'none' });
          graphqlDuration.observe({ type, operation: name }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}

/** Compares a presented bearer token with METRICS_TOKEN in constant time. */
function tokenMatches(authorization: string | undefined, token: string): boolean {
  const presented = Buffer.from(authorization?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** GET /metrics: this hub's metrics and its process's, in Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export function metricsRoute(hub: Hub): express.RequestHandler {
  return async (req, res) => {
    const token = hub.config.metricsToken;
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      res.status(401).setHeader('www-authenticate', 'Bearer realm="metrics"').json({ error: { code: 'UNAUTHENTICATED', message: 'Send "Authorization: Bearer <METRICS_TOKEN>"' } });
      return;
    }
    res.setHeader('content-type', hub.metrics.contentType);
    res.send(await hub.metrics.text());
  };
}
