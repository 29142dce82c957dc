/**
 * The database is unreachable, not wrong: the server refused or dropped the connection, is
 * shutting down or starting up, or did not answer the connection in time. Such an error is
 * answered SERVICE_UNAVAILABLE with `Retry-After` (docs/operations.md, "Database outages"),
 * never INTERNAL_SERVER_ERROR: the request did nothing and can be sent again.
 */

/** What `Retry-After` says while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The socket's errors when the server is not there (refused, reset, unreachable, no such host, timed out). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** postgres.js' own codes for a connection that closed or never opened. */
const CLIENT_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/**
 * PostgreSQL's SQLSTATEs: class 08 (connection exception), 57P01 admin_shutdown, 57P02
 * crash_shutdown, 57P03 cannot_connect_now (the server is starting up or recovering).
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;

function unavailable(error: object): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return SOCKET_CODES.has(code) || CLIENT_CODES.has(code) || SQLSTATE.test(code);
}

/** Whether the error, or an error it wraps (`cause`, GraphQL's `originalError`), says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (unavailable(current)) return true;
    const next = (current as { cause?: unknown; originalError?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
    current = next;
  }
  return false;
}
