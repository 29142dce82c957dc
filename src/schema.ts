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
  return buildSchema({
    resolvers: modules.flatMap((module) => module.resolvers ?? []) as unknown as BuildSchemaOptions['resolvers'],
    validate: false,
    pubSub: noTopics,
    emitSchemaFile: false,
  });
}

/** What `schema/schema.graphql` holds: sorted, so that the file only changes with the API. */
export async function printedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
}
