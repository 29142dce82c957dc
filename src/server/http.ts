import type { Server } from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Hub, RequestContext } from '../platform/context.js';
import { callerOf, closeScope, noteDenials, openScope } from './scope.js';
import { ErrorCode, httpStatusOf, RateLimitedError } from '../platform/errors.js';
import { introspects, refuseIntrospection, withoutSuggestion, type CostReport, type Operation } from './limits.js';
import { JSON_TYPE, responseTypeFor } from './media-type.js';

/** The codes of a GraphQL request refused before execution: the spec's "request errors" that a legacy client reads from a 200. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND']);

/**
 * GraphQL-over-HTTP's statuses: the response type is chosen here (as Apollo would) and, for a
 * legacy `application/json` client, a request refused before execution (no `data`) answers 200
 * instead of Apollo's 400. A watershed client keeps the 400. Requests that are not GraphQL
 * requests at all (BAD_REQUEST: no query, a body that is not JSON) keep their 4xx either way.
 */
const graphqlOverHttpStatus: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ request, response }) {
        if (response.body.kind !== 'single' || response.http.headers.get('content-type')) return;
        const type = responseTypeFor(request.http?.headers.get('accept'));
        if (type === undefined) return;
        response.http.headers.set('content-type', `${type}; charset=utf-8`);
        const { data, errors } = response.body.singleResult;
        const refused = data === undefined && errors !== undefined && errors.length > 0 && errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions?.['code'])));
        if (type === JSON_TYPE && refused && response.http.status === 400) response.http.status = 200;
      },
    };
  },
};

/**
 * An operation that failed because the hub cannot serve it now (the database unreachable):
 * HTTP 503, with `Retry-After` when an error says when (`retryAfterSeconds`), as a load
 * balancer and `gridhub push` expect. Partial data, if any, is still in the body.
 */
const serviceUnavailableStatus: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const unavailable = response.body.singleResult.errors?.filter((error) => error.extensions?.['code'] === ErrorCode.SERVICE_UNAVAILABLE) ?? [];
        if (unavailable.length === 0) return;
        response.http.status = httpStatusOf(ErrorCode.SERVICE_UNAVAILABLE);
        const seconds = Math.max(0, ...unavailable.map((error) => Number(error.extensions?.['retryAfterSeconds']) || 0));
        if (seconds > 0) response.http.headers.set('retry-after', String(Math.ceil(seconds)));
      },
    };
  },
};

interface GraphqlOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  validationRules: ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Runs when the server drains, before HTTP stops: the WebSocket side closes its connections. */
  drain: () => Promise<void> | void;
  /** More plugins (metrics, traces), after the hub's own. */
  plugins?: readonly ApolloServerPlugin<RequestContext>[];
  /** The cost limits (limits.ts): a report for `extensions.cost`, or a coded refusal thrown before the operation runs. */
  admit: (ctx: RequestContext, operation: Operation) => CostReport;
  /** Whether a caller gets no introspection and no "Did you mean" (anonymous in production). */
  hidesSchema: (ctx: RequestContext) => boolean;
  /** MAX_QUERY_TOKENS: the parser gives up past this many tokens. */
  maxTokens: number;
}

/** GraphQL over HTTP (GET and POST) with Apollo; `stop()` drains the HTTP server and runs `drain`. */
export async function startGraphql(options: GraphqlOptions): Promise<ApolloServer<RequestContext>> {
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    validationRules: options.validationRules,
    formatError: options.formatError,
    includeStacktraceInErrorResponses: false,
    // The hub reads credentials only from the Authorization header, never from cookies, so a
    // cross-site page cannot ride on a user's session: CSRF protection has nothing to guard and
    // would refuse plain `GET /graphql?query=…` (which we allow for queries).
    csrfPrevention: false,
    introspection: true,
    parseOptions: { maxTokens: options.maxTokens },
    // The CLI handles SIGINT/SIGTERM itself (drain, close the database, release the lock);
    // Apollo's own handlers would race it and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin wraps every field resolution to compute cache
      // hints nobody reads here (no CDN, no response cache): a 1,000-record ingest report is
      // thousands of fields, and it was the largest Apollo cost on a 20-alert page.
      ApolloServerPluginCacheControlDisabled(),
      graphqlOverHttpStatus,
      serviceUnavailableStatus,
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await options.drain();
            },
          };
        },
      },
      {
        // The limits, once the operation is parsed, validated and chosen, before it runs (and
        // before any SQL): introspection for whom the hub shows its schema, then the cost limits.
        // The cost goes back in `extensions.cost`; a RATE_LIMITED answer carries Retry-After.
        async requestDidStart() {
          let report: CostReport | undefined;
          return {
            async didResolveOperation({ contextValue, document, operationName, request, response }) {
              if (options.hidesSchema(contextValue) && introspects(document)) refuseIntrospection();
              try {
                report = options.admit(contextValue, { document, operationName, variables: request.variables });
              } catch (error) {
                if (error instanceof RateLimitedError) response.http.headers.set('retry-after', String(error.retryAfterSeconds));
                throw error;
              }
            },
            async willSendResponse({ contextValue, response }) {
              if (response.body.kind !== 'single') return;
              const result = response.body.singleResult;
              if (report) result.extensions = { ...result.extensions, cost: report };
              if (result.errors && contextValue && options.hidesSchema(contextValue)) {
                result.errors = result.errors.map((error) => ({ ...error, message: withoutSuggestion(error.message) }));
              }
            },
          };
        },
      },
      {
        // With a read replica: a mutation reads the primary, and once it is answered (committed)
        // the principal's next reads wait for the replica to replay it (read-your-writes).
        async requestDidStart() {
          return {
            async didResolveOperation({ contextValue, operation }) {
              if (operation?.operation === 'mutation') contextValue.reads.writing = true;
            },
            async willSendResponse({ contextValue }) {
              if (contextValue?.reads.writing) await contextValue.reads.wrote();
            },
          };
        },
      },
      {
        // The request scope's end: every FORBIDDEN becomes a denial in the request's ledger,
        // and the ledger is written once the response is made, before it is sent.
        async requestDidStart() {
          return {
            async didEncounterErrors({ contextValue, errors }) {
              if (contextValue) noteDenials(contextValue, errors);
            },
            async willSendResponse({ contextValue, response }) {
              const refused = contextValue ? await closeScope(contextValue) : undefined;
              if (!refused) return;
              // Fail closed: the answer carried personal data in full that could not be audited.
              response.body = { kind: 'single', singleResult: { errors: [{ message: refused.message, extensions: { code: refused.code } }] } };
              response.http.status = 503;
            },
          };
        },
      },
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** The /graphql route: a JSON body of up to 10 MB; each request's context opens the request scope. */
export function graphqlRoute(hub: Hub, apollo: ApolloServer<RequestContext>): express.RequestHandler[] {
  return [express.json({ limit: '10mb' }), expressMiddleware(apollo, { context: async ({ req }) => openScope(hub, callerOf(req)) })];
}
