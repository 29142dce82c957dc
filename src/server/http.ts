import type { Server } from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Hub, RequestContext } from '../platform/context.js';
import { callerOf, closeScope, noteDenials, openScope } from './scope.js';

export interface GraphqlOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  validationRules: ValidationRule[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Runs when the server drains, before HTTP stops: the WebSocket side closes its connections. */
  drain: () => Promise<void> | void;
  /** More plugins (metrics, traces), after the hub's own. */
  plugins?: readonly ApolloServerPlugin<RequestContext>[];
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
