import type { Server } from 'node:http';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Hub, RequestContext } from '../platform/context.js';
import { callerOf, closeScope, noteDenials, openScope } from './scope.js';
import { RateLimitedError } from '../platform/errors.js';
import { introspects, refuseIntrospection, withoutSuggestion, type CostReport, type Operation } from './limits.js';

export interface GraphqlOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  validationRules: ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Runs when the server drains, before HTTP stops: the WebSocket side closes its connections. */
  drain: () => Promise<void> | void;
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
        // The request scope's end: every FORBIDDEN becomes a denial in the request's ledger,
        // and the ledger is written once the response is made, before it is sent.
        async requestDidStart() {
          return {
            async didEncounterErrors({ contextValue, errors }) {
              if (contextValue) noteDenials(contextValue, errors);
            },
            async willSendResponse({ contextValue }) {
              if (contextValue) await closeScope(contextValue);
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  return apollo;
}

/** The /graphql route: a JSON body of up to 10 MB; each request's context opens the request scope. */
export function graphqlRoute(hub: Hub, apollo: ApolloServer<RequestContext>): express.RequestHandler[] {
  return [express.json({ limit: '10mb' }), expressMiddleware(apollo, { context: async ({ req }) => openScope(hub, callerOf(req)) })];
}
