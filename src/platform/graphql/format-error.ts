import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, isKnownCode, isRefusal } from '../errors.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/outage.js';

/**
 * Apollo's codes the hub does not keep: a server without persisted-query support would say
 * PERSISTED_QUERY_NOT_SUPPORTED, which Apollo's client reads as "stop sending hashes"; the hub
 * supports them, so it never applies. Every other code Apollo gives (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND, BAD_REQUEST, OPERATION_RESOLUTION_FAILURE,
 * BAD_USER_INPUT for variables) is in the catalogue and reaches the client as Apollo gives it.
 */
const apolloCodes: Record<string, ErrorCode> = {
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_REQUEST,
};

/** graphql-js's message when a document exceeds `maxTokens` ("more that" in graphql 16). */
export const TOKEN_LIMIT = /contains more tha[nt] (\d+) tokens/;

/** The refusal of a document past the parser's token limit, worded by the hub. */
export function tokenLimitMessage(message: string): string {
  const limit = TOKEN_LIMIT.exec(message)?.[1] ?? '?';
  return `The document has more than ${limit} tokens; at most ${limit} are read (MAX_QUERY_TOKENS)`;
}

export interface FormatErrorOptions {
  /** Show unexpected errors' messages (development only). */
  exposeUnexpected: boolean;
  log: (error: unknown) => void;
  /** Told of every refusal by a limit (`isRefusal`) that reaches a client: the refusals metric. */
  onRefusal?: (code: string) => void;
}

/**
 * Every error a client sees carries a code of the catalogue. Errors we raised on purpose
 * keep their message; an unreachable database becomes SERVICE_UNAVAILABLE with
 * `retryAfterSeconds`; anything else becomes INTERNAL_SERVER_ERROR with a generic message
 * (the original goes to the log). No stack trace ever leaves the hub.
 */
export function createFormatError(options: FormatErrorOptions) {
  const format = formatWith(options);
  const { onRefusal } = options;
  if (!onRefusal) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    const code = result.extensions?.['code'];
    if (isRefusal(code, result.extensions)) onRefusal(code as string);
    return result;
  };
}

function formatWith(options: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.['code'];
    const { stacktrace: _stack, exception: _exception, http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    void _stack;
    void _exception;
    void _http;

    // Apollo re-codes validation errors as GRAPHQL_VALIDATION_FAILED; a rule of ours that
    // raised a coded error (QUERY_TOO_COMPLEX) keeps its own code.
    const cause = original instanceof GraphQLError ? original.originalError : undefined;
    if (cause instanceof GraphQLError && isKnownCode(cause.extensions['code'])) {
      const { http: _causeHttp, ...causeExtensions } = cause.extensions as Record<string, unknown>;
      void _causeHttp;
      return { ...formatted, message: cause.message, extensions: causeExtensions };
    }
    // The parser's token limit (MAX_QUERY_TOKENS) is a size limit, not a syntax error.
    if (code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT.test(formatted.message)) {
      return { message: tokenLimitMessage(formatted.message), extensions: { ...extensions, code: ErrorCode.QUERY_TOO_COMPLEX } };
    }
    if (typeof code === 'string' && apolloCodes[code]) {
      return { ...formatted, extensions: { ...extensions, code: apolloCodes[code] } };
    }
    const deliberate = original instanceof GraphQLError && isKnownCode(original.extensions['code']);
    if (isKnownCode(code) && (deliberate || code !== ErrorCode.INTERNAL_SERVER_ERROR)) {
      return { ...formatted, extensions: { ...extensions, code } };
    }
    // graphql-js's own errors for bad variables or arguments (no code of ours, no original).
    if (original instanceof GraphQLError && original.originalError === undefined && code === undefined) {
      return { ...formatted, extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT } };
    }
    // The database went away (or is coming back): nothing was done, the client tries again.
    if (isDatabaseUnavailable(original)) {
      return {
        message: 'The database cannot be reached; try again shortly',
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
      };
    }
    options.log(original);
    return {
      message: options.exposeUnexpected && original instanceof Error ? original.message : 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
