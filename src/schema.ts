import 'reflect-metadata';
import { buildSchema, type BuildSchemaOptions, type PubSub } from 'type-graphql';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import type { HubModule } from './platform/module.js';
import { MODULES } from './modules/index.js';

/**
 * type-graphql insists on a PubSub, but no subscription here uses topics: each supplies its own
 * `subscribe` fed by the hub's unit-indexed fan-out (see platform/pubsub). Reaching this is a bug.
 */
const noTopics: PubSub = {
  publish() {
    throw new Error('Invariant failed: subscriptions publish through hub.bus, not type-graphql topics');
  },
  subscribe() {
    throw new Error('Invariant failed: subscriptions must supply their own subscribe function');
  },
};

/** The GraphQL schema of the modules' resolvers. */
export async function createSchema(modules: readonly HubModule[] = MODULES): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: modules.flatMap((module) => module.resolvers ?? []) as unknown as BuildSchemaOptions['resolvers'],
    validate: false,
    pubSub: noTopics,
    emitSchemaFile: false,
  });
  describeRoots(schema);
  return schema;
}

/** type-graphql gives the root types no description option; the schema linter wants one on every type. */
function describeRoots(schema: GraphQLSchema): void {
  const roots = [
    [schema.getQueryType(), 'Reads: each answers only what the caller may see, with personal data masked unless the rules allow.'],
    [schema.getMutationType(), 'Writes: ingest from adapters, case handling, resident requests, the directory and access control.'],
    [schema.getSubscriptionType(), 'Live changes over WebSocket (graphql-ws), within the caller\'s scope and the filter given.'],
  ] as const;
  for (const [type, description] of roots) if (type) type.description = description;
}

/** What `schema/schema.graphql` holds: sorted, so that the file only changes with the API. */
export async function printedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
}
