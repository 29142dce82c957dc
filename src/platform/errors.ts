import { GraphQLError } from 'graphql';

/**
 * The catalogue of codes a client can see in `extensions.code` (docs/design.md, "The API").
 * Anything else that escapes a resolver is masked to INTERNAL_SERVER_ERROR.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** Apollo's standard codes for a request refused before any resolver ran. The document does not parse. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document is not valid against the schema (an unknown field, a missing argument, …). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** An automatic persisted query's hash the hub does not hold: send the query text with it. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Not a GraphQL-over-HTTP request at all: no query, a body that is not JSON, a mutation over GET. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** `operationName` names no operation of the document, or a document of several names none. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** The operation's cost (docs/security.md) exceeds MAX_QUERY_COST: ask for fewer items. */
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  /** A cap on what one connection holds at once (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION): finish one first. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /**
   * Try again shortly: a credential that cannot be checked now (the identity provider unreachable
   * and the token's key never fetched), a hub that is shutting down or a database that cannot be
   * reached (both with `Retry-After`), or a
   * request that ran past REQUEST_TIMEOUT_SECONDS. Clients (`gridhub push`) retry on it, as on HTTP 503.
   */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * A live subscription's `after` cursor is older than the replay window (LIVE_REPLAY_DAYS):
   * what followed it is no longer kept. Catch up with a list query, then subscribe without one.
   */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes = new Set<string>(Object.values(ErrorCode));
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && knownCodes.has(code);
}

/**
 * Whether an error's code says the hub refused to do the work because a limit was reached (the
 * rate, depth, cost or size of what was asked), not because of what was asked: RATE_LIMITED,
 * any `QUERY_TOO_…`, `…_TOO_LARGE` or `TOO_MANY_…` code, or any error that tells the client when
 * to try again (`retryAfterSeconds`). Limits added later with such codes are counted as well.
 */
export function isRefusal(code: unknown, extensions?: Readonly<Record<string, unknown>>): boolean {
  if (typeof code !== 'string') return false;
  if (code === ErrorCode.RATE_LIMITED || /^QUERY_TOO_|_TOO_LARGE$|^TOO_MANY_/.test(code)) return true;
  return code !== ErrorCode.SERVICE_UNAVAILABLE && extensions?.['retryAfterSeconds'] !== undefined;
}

const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  QUERY_TOO_COMPLEX: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  PERSISTED_QUERY_NOT_FOUND: 200,
  BAD_REQUEST: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  QUERY_TOO_COSTLY: 400,
  LIMIT_EXCEEDED: 429,
  SERVICE_UNAVAILABLE: 503,
  CURSOR_EXPIRED: 410,
  INTERNAL_SERVER_ERROR: 500,
};

/** The HTTP status a code answers with where the hub speaks plain HTTP (Open311, the report page, a refused GraphQL request). */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

abstract class CodedError extends GraphQLError {
  abstract readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}, httpStatus?: number) {
    super(message, { extensions: { ...extensions, code, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
  }
}

/**
 * Why a bearer token or its principal was refused: `extensions.reason` of UNAUTHENTICATED, so
 * that a client can tell "sign in again" (TOKEN_EXPIRED) from "this account cannot sign in"
 * (UNKNOWN_PRINCIPAL, DISABLED_PRINCIPAL) from "the hub is configured for another identity
 * provider" (WRONG_ISSUER, WRONG_AUDIENCE) without reading the message.
 */
export const AuthRefusal = {
  /** Not a JWT, or a JWT whose header or claims cannot be read. */
  MALFORMED_TOKEN: 'MALFORMED_TOKEN',
  /** `exp` has passed (beyond the clock skew allowed for the identity provider's tokens). */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** `nbf` or `iat` lies in the future (beyond the clock skew). */
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  /** `aud` does not name this hub (OIDC_AUDIENCE, or `gridhub` for local tokens). */
  WRONG_AUDIENCE: 'WRONG_AUDIENCE',
  /** `iss` is neither OIDC_ISSUER nor the hub's own local tokens. */
  WRONG_ISSUER: 'WRONG_ISSUER',
  /** The token's `alg` is not accepted for its issuer (`none` never; HS* only for local tokens). */
  ALGORITHM_REFUSED: 'ALGORITHM_REFUSED',
  /** The identity provider publishes no key with the token's `kid` (and `alg`). */
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  /** The signature does not verify: forged, altered, or signed with another secret. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** The claim that names the principal (OIDC_PRINCIPAL_CLAIM; `sub` for local tokens) is missing or empty. */
  PRINCIPAL_CLAIM_MISSING: 'PRINCIPAL_CLAIM_MISSING',
  /** A local token (`gridhub token`, the demo sign-in) on a hub with LOCAL_TOKENS=off. */
  LOCAL_TOKENS_OFF: 'LOCAL_TOKENS_OFF',
  /** The token is valid but names no principal of this hub. */
  UNKNOWN_PRINCIPAL: 'UNKNOWN_PRINCIPAL',
  /** The token is valid but its principal is disabled. */
  DISABLED_PRINCIPAL: 'DISABLED_PRINCIPAL',
} as const;
export type AuthRefusal = (typeof AuthRefusal)[keyof typeof AuthRefusal];

export class UnauthenticatedError extends CodedError {
  readonly code = ErrorCode.UNAUTHENTICATED;
  readonly reason: AuthRefusal | undefined;
  constructor(message = 'Authentication required: send "Authorization: Bearer <token>"', httpStatus?: number, reason?: AuthRefusal) {
    super(message, ErrorCode.UNAUTHENTICATED, reason ? { reason } : {}, httpStatus);
    this.reason = reason;
  }
}

export class ForbiddenError extends CodedError {
  readonly code = ErrorCode.FORBIDDEN;
  /**
   * The record the refused attempt aimed at, for the audit log only: it never reaches the
   * client (the caller named it anyway, but extensions stay `code`, `action`, `subject`).
   */
  readonly recordId: string | null;
  constructor(action: string, subject: string, message = `Not allowed to ${action} ${subject}`, recordId: string | null = null) {
    super(message, ErrorCode.FORBIDDEN, { action, subject });
    this.recordId = recordId;
  }
}

export class BadUserInputError extends CodedError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, field?: string) {
    super(message, ErrorCode.BAD_USER_INPUT, field ? { field } : {});
  }
}

/** Also the answer for records outside the caller's scope: existence is never revealed. */
export class NotFoundError extends CodedError {
  readonly code = ErrorCode.NOT_FOUND;
  constructor(what: string, key: string) {
    super(`${what} ${key} not found`, ErrorCode.NOT_FOUND, { what, key });
  }
}

export class ConflictError extends CodedError {
  readonly code = ErrorCode.CONFLICT;
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, ErrorCode.CONFLICT, extensions);
  }
}

export class QueryTooComplexError extends CodedError {
  readonly code = ErrorCode.QUERY_TOO_COMPLEX;
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, ErrorCode.QUERY_TOO_COMPLEX, extensions, httpStatusOf(ErrorCode.QUERY_TOO_COMPLEX));
  }
}

/** An operation whose cost (cost.ts) exceeds the maximum per request; `cost` and `maximumCost` say by how much. */
export class QueryTooCostlyError extends CodedError {
  readonly code = ErrorCode.QUERY_TOO_COSTLY;
  constructor(cost: number, maximumCost: number) {
    super(
      `Query cost ${cost} exceeds the limit of ${maximumCost} per request: ask for fewer items (first), fewer fields or fewer aliases`,
      ErrorCode.QUERY_TOO_COSTLY,
      { cost, maximumCost },
      httpStatusOf(ErrorCode.QUERY_TOO_COSTLY),
    );
  }
}

/** Past a cap on what one holds at once (not a rate: waiting does not help, finishing something does). */
export class LimitExceededError extends CodedError {
  readonly code = ErrorCode.LIMIT_EXCEEDED;
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, ErrorCode.LIMIT_EXCEEDED, extensions, httpStatusOf(ErrorCode.LIMIT_EXCEEDED));
  }
}

/** Try again shortly; `retryAfterSeconds` (in extensions, and as `Retry-After` over HTTP) says when, if known. */
export class ServiceUnavailableError extends CodedError {
  readonly code = ErrorCode.SERVICE_UNAVAILABLE;
  constructor(message = 'Service unavailable, try again shortly', retryAfterSeconds?: number) {
    super(message, ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds === undefined ? {} : { retryAfterSeconds }, httpStatusOf(ErrorCode.SERVICE_UNAVAILABLE));
  }
}

/** A window of seconds as people say it: `10 分钟` / `10 minutes`, `1 小时` / `1 hour`. */
function windowWords(seconds: number): { zh: string; en: string } {
  if (seconds % 3600 === 0) return { zh: `${seconds / 3600} 小时`, en: seconds === 3600 ? 'hour' : `${seconds / 3600} hours` };
  if (seconds % 60 === 0) return { zh: `${seconds / 60} 分钟`, en: seconds === 60 ? 'minute' : `${seconds / 60} minutes` };
  return { zh: `${seconds} 秒`, en: `${seconds} seconds` };
}

/**
 * Too many attempts in a window (resident submissions and ratings). The message says it in
 * Chinese and in English; `retryAfterSeconds` is when the window ends, `limit` and
 * `windowSeconds` what the limit is.
 */
export class RateLimitedError extends CodedError {
  readonly code = ErrorCode.RATE_LIMITED;
  readonly retryAfterSeconds: number;
  constructor(what: string, limit: number, windowSeconds: number, retryAfterSeconds: number, httpStatus?: number) {
    const window = windowWords(windowSeconds);
    super(
      `操作过于频繁，请 ${Math.ceil(retryAfterSeconds / 60)} 分钟后再试（每 ${window.zh}最多 ${limit} 次）。Too many ${what}: at most ${limit} per ${window.en}; try again in ${retryAfterSeconds} s.`,
      ErrorCode.RATE_LIMITED,
      { retryAfterSeconds, limit, windowSeconds },
      httpStatus,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A live subscription's cursor is older than what the hub keeps (LIVE_REPLAY_DAYS). */
export class CursorExpiredError extends CodedError {
  readonly code = ErrorCode.CURSOR_EXPIRED;
  constructor(cursor: string, oldestKept: string) {
    super(`Cursor ${cursor} is older than the live replay window: catch up with a list query, then subscribe without a cursor`, ErrorCode.CURSOR_EXPIRED, { cursor, oldestKept });
  }
}
