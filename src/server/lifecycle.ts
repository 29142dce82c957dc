import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../platform/context.js';
import { ErrorCode, httpStatusOf, type ErrorCode as Code } from '../platform/errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../platform/db/outage.js';

/**
 * Terminology
 * - in flight: an HTTP request the hub has accepted and whose response has not yet left the
 *   process: its last byte written to the socket, not merely handed to Node (a 12 MB response
 *   is still in the socket's buffer when express says it is finished).
 * - drain: what SIGTERM starts. New requests get 503 SERVICE_UNAVAILABLE with `Retry-After`
 *   and `Connection: close`; requests in flight finish, for up to SHUTDOWN_GRACE_SECONDS; then
 *   the server stops (and only then are connections closed).
 * - request timeout: a request still unanswered after REQUEST_TIMEOUT_SECONDS gets 503
 *   SERVICE_UNAVAILABLE; whatever it was doing may finish, its late answer is dropped.
 */

/** How long a client told to come back during a drain should wait (a restart usually takes a few seconds). */
export const DRAIN_RETRY_AFTER_SECONDS = 5;

/** The hub's JSON error body, the same shape as GraphQL's: `{ errors: [{ message, extensions: { code } }] }`. */
export function sendError(res: Response, code: Code, message: string, extra: Record<string, unknown> = {}, status = httpStatusOf(code)): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...extra } }] });
}

export interface RequestGate {
  /** First on the app: counts requests in flight, refuses new ones while draining, times out slow ones. */
  readonly middleware: RequestHandler;
  /** Starts the drain; resolves once no request is in flight, or after the grace period. */
  drain(): Promise<void>;
  readonly inFlight: number;
}

/** Calls `done` once a response has left the process (or its connection is gone). */
function whenSent(res: Response, done: () => void): void {
  const socket = res.req.socket;
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    done();
  };
  res.once('finish', () => {
    if (socket.destroyed || socket.writableLength === 0) return once();
    socket.once('drain', once);
    socket.once('close', once);
  });
  res.once('close', () => {
    if (!res.writableFinished) once();
  });
}

export function requestGate(options: { graceMs: number; timeoutMs: number }): RequestGate {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const middleware: RequestHandler = (_req, res, next) => {
    if (draining) {
      res.set({ connection: 'close', 'retry-after': String(DRAIN_RETRY_AFTER_SECONDS) });
      return sendError(res, ErrorCode.SERVICE_UNAVAILABLE, 'The hub is shutting down; try again shortly', { retryAfterSeconds: DRAIN_RETRY_AFTER_SECONDS });
    }
    inFlight += 1;
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      // The route's own late write fails quietly instead of as an unhandled 'error'.
      res.on('error', () => {});
      sendError(res, ErrorCode.SERVICE_UNAVAILABLE, `The request took longer than ${options.timeoutMs / 1000} s`, { timeoutSeconds: options.timeoutMs / 1000 });
    }, options.timeoutMs);
    whenSent(res, () => {
      clearTimeout(timer);
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
    next();
  };
  return {
    middleware,
    get inFlight() {
      return inFlight;
    },
    async drain() {
      draining = true;
      if (inFlight === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.graceMs);
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

/** Every path no route answers: 404 NOT_FOUND as JSON. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, ErrorCode.NOT_FOUND, `No route for ${req.method} ${req.path}`, { what: 'route' });
};

/**
 * The last error handler: whatever reached express (a body that is not JSON, a path that does
 * not decode, a body too large, a fault in a route) is answered as coded JSON, never express's
 * HTML page, and never with a stack. A response already started is left to end as it can.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      if (!res.writableEnded) next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.too.large') return sendError(res, ErrorCode.BAD_USER_INPUT, 'The request body is too large', {}, 413);
    if (type === 'entity.parse.failed') return sendError(res, ErrorCode.BAD_USER_INPUT, 'The request body is not valid JSON');
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = error instanceof URIError || /decode/i.test(String((error as Error).message)) ? 'The request path does not decode' : 'Bad request';
      return sendError(res, ErrorCode.BAD_USER_INPUT, message, {}, status);
    }
    if (isDatabaseUnavailable(error)) {
      res.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendError(res, ErrorCode.SERVICE_UNAVAILABLE, 'The database cannot be reached; try again shortly', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
    }
    log.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
}
