import type { IncomingHttpHeaders } from 'node:http';
import cors from 'cors';
import type express from 'express';

/** What a listed origin's page may send to /graphql: the methods and the request headers the hub reads. */
export const CORS_METHODS = ['GET', 'POST'] as const;
export const CORS_HEADERS = ['authorization', 'content-type', 'x-api-key', 'x-purpose'] as const;

/** How long (seconds) a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * Cross-origin access to /graphql for the origins in CORS_ORIGINS, and no other.
 * - a listed origin: `Access-Control-Allow-Origin` names it; a preflight answers 204 with the
 *   methods and headers above. Credentials stay off: the hub reads tokens from headers, never
 *   from cookies, so there is nothing a browser should attach on its own.
 * - any other origin: no `Access-Control-Allow-*` header at all, so the browser refuses to hand
 *   the page the response (a preflight gets none either, and the real request is never sent).
 * - same-origin and non-browser clients send no preflight and need none.
 */
export function corsMiddleware(origins: readonly string[]): express.RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_HEADERS],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE,
    optionsSuccessStatus: 204,
  });
}

/**
 * Whether a WebSocket upgrade may open. Browsers always send `Origin` on a WebSocket and never
 * preflight it, so the hub checks it itself:
 * - no `Origin`: a non-browser client (an adapter, `gridhub push`, a server) → allowed;
 * - the hub's own origin (`Origin`'s host is the request's `Host`: GraphiQL, the resident pages) → allowed;
 * - an origin in CORS_ORIGINS → allowed;
 * - any other origin → refused, so a page elsewhere cannot open a live feed with a token it holds.
 */
export function upgradeOriginAllowed(origins: readonly string[], headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origins.includes(origin)) return true;
  const host = URL.canParse(origin) ? new URL(origin).host : undefined;
  return host !== undefined && host === headers.host;
}
