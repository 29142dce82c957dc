import 'reflect-metadata';
import { buildSchema, type PubSub } from 'type-graphql';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { UnitResolver } from './modules/units/index.js';
import { PrincipalResolver } from './modules/principals/index.js';
import { AlertResolver } from './modules/alerts/index.js';
import { DeviceResolver } from './modules/devices/index.js';
import { GrantResolver } from './modules/grants/index.js';
import { ApiKeyResolver } from './modules/apikeys/index.js';
import { AuditResolver } from './modules/audit/index.js';
import { ChannelResolver, CreatedChannelResolver } from './modules/channels/index.js';
import { ResidentRequestResolver } from './modules/requests/index.js';
import { StatsResolver } from './modules/stats/index.js';
import { ReportResolver } from './modules/reports/index.js';
import { AlertCaseResolver, CaseResolver, PatrolFindingCaseResolver, ResidentRequestCaseResolver } from './modules/cases/index.js';
import { PatrolFindingResolver, PatrolReportResolver } from './modules/patrols/index.js';

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

export async function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [UnitResolver, PrincipalResolver, AlertResolver, DeviceResolver, GrantResolver, ApiKeyResolver, AuditResolver, ChannelResolver, CreatedChannelResolver, ResidentRequestResolver,
      CaseResolver, ResidentRequestCaseResolver, PatrolFindingCaseResolver, AlertCaseResolver, PatrolReportResolver, PatrolFindingResolver,
      StatsResolver, ReportResolver,
    ],
    validate: false,
    pubSub: noTopics,
    emitSchemaFile: false,
  });
}

/** What `schema/schema.graphql` holds: sorted, so that the file only changes with the API. */
export async function printedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
}
