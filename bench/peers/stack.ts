/**
 * The stack of `npm run bench:query -- --only ceiling`: the hub's fixed GraphQL stack alone —
 * Apollo Server 5 through @as-integrations/express5 on express 5, graphql 16, type-graphql 2 —
 * answering Q1's shape from memory. No database while it serves, no authentication, no
 * permissions, no audit ledger: what the stack itself costs a request, the most any hub built on
 * it could do.
 *
 *   POST /graphql  alerts(first: 20) { edges { node { id type severity status occurredAt
 *                  unit { code name tier } device { id externalId name type status } } } }
 *                  Q1's 20 alerts, read once at start (the street's latest 20, as the floor reads
 *                  them): the same rows gridhub answers to xuetian.officer, byte for byte
 *   POST /graphql  { ping }   the stack's fixed cost a request (a String field, no data)
 *
 * Mirrored from the hub (src/server.ts, src/schema.ts), as far as it matters for speed:
 * - express 5 with `x-powered-by` off; `express.json({ limit: '10mb' })` then
 *   `expressMiddleware(apollo, { context })` on /graphql; an async context function (the hub's
 *   makes the request's principal; this one an empty object);
 * - Apollo Server with the landing page off, the cache-control plugin off, CSRF prevention
 *   off, introspection on, the drain plugin, the hub's depth-limit validation rule (validation
 *   runs once per query text: Apollo keeps parsed and validated documents);
 * - type-graphql `buildSchema` with `validate: false`; `Alert`, `Unit` and `Device` with
 *   simple resolvers, the hub's own connection types (`connectionOf`: `AlertConnection`,
 *   `AlertEdge` with its cursor made only when selected), `unit` and `device` as field
 *   resolvers on `Alert`, as in `AlertResolver`. They return from memory at once (no promise):
 *   the hub's await its loaders.
 * Left out, being the hub's own work rather than the stack's: the audit plugin
 * (`didEncounterErrors`, `willSendResponse`), the WebSocket server, the other routes.
 *
 * The types are checked against the hub's printed schema (schema/schema.graphql) at start: every
 * field Q1 selects must have the same GraphQL type here as there, or the process stops.
 *
 * Environment: DATABASE_URL, STACK_HTTP (`fastify`: see below; default express), PORT (0 → any free port; the port is printed as `listening <port>`).
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSchema as buildSdlSchema, getNamedType, isEnumType, isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import postgres from 'postgres';
import { Args, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root, buildSchema, registerEnumType } from 'type-graphql';
import { connectionOf, PageArgs, pageSize, type TimeKey } from '../../src/platform/graphql/connection.js';
import { depthLimitRule } from '../../src/platform/graphql/depth-limit.js';
import { enumOf } from '../../src/platform/graphql/enum.js';
import { q1Alerts, type Q1Alert } from './q1.js';

const STREET = '320613006';
/** The hub's default MAX_QUERY_DEPTH (src/config.ts). */
const MAX_QUERY_DEPTH = 8;

const hubSchema = buildSdlSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

/** An enum of the hub's schema, with the hub's values, registered under the same name. */
function hubEnum(name: string): Record<string, string> {
  const type = hubSchema.getType(name);
  if (!isEnumType(type)) throw new Error(`the hub's schema has no enum ${name}`);
  const values = enumOf(type.getValues().map((v) => v.name));
  registerEnumType(values, { name });
  return values;
}

const AlertType = hubEnum('AlertType');
const Severity = hubEnum('Severity');
const AlertStatus = hubEnum('AlertStatus');
const Tier = hubEnum('Tier');
const DeviceType = hubEnum('DeviceType');
const DeviceStatus = hubEnum('DeviceStatus');

@ObjectType('Unit', { simpleResolvers: true })
class Unit {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Tier)
  tier!: string;
}

@ObjectType('Device', { simpleResolvers: true })
class Device {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  externalId!: string;

  @Field(() => DeviceType)
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DeviceStatus)
  status!: string;
}

/** An alert as the hub's `toAlert` makes it: its unit and device are resolved by field resolvers. */
@ObjectType('Alert', { simpleResolvers: true })
class Alert {
  @Field(() => ID)
  id!: string;

  @Field(() => AlertType)
  type!: string;

  @Field(() => Severity)
  severity!: string;

  @Field(() => AlertStatus)
  status!: string;

  @Field(() => DateTimeResolver)
  occurredAt!: Date;

  unitRef!: Unit;
  deviceRef!: Device | null;
}

const AlertConnection = connectionOf(Alert, 'Alert');
const alertKey = (alert: Alert): TimeKey => ({ at: alert.occurredAt, id: alert.id });

const sql = postgres(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/gridhub_bench', { max: 1, onnotice: () => {} });
const held: Alert[] = (await q1Alerts(sql, STREET)).map(({ unit, device, ...alert }: Q1Alert) =>
  Object.assign(new Alert(), alert, { unitRef: Object.assign(new Unit(), unit), deviceRef: device && Object.assign(new Device(), device) }),
);
await sql.end();
if (held.length !== 20) throw new Error(`street ${STREET} has ${held.length} alerts, expected 20: run npm run bench:data`);

@Resolver(() => Alert)
class AlertResolver {
  @Query(() => AlertConnection)
  alerts(@Args(() => PageArgs) { first }: PageArgs): InstanceType<typeof AlertConnection> {
    const limit = pageSize(first);
    return new AlertConnection({ nodes: held.slice(0, limit), hasNextPage: held.length > limit, hasPreviousPage: false, count: () => Promise.resolve(held.length) }, alertKey);
  }

  @Query(() => String, { nullable: true, description: "The stack's fixed cost: no data." })
  ping(): string {
    return 'pong';
  }

  @FieldResolver(() => Unit)
  unit(@Root() alert: Alert): Unit {
    return alert.unitRef;
  }

  @FieldResolver(() => Device, { nullable: true })
  device(@Root() alert: Alert): Device | null {
    return alert.deviceRef;
  }
}

const schema = await buildSchema({ resolvers: [AlertResolver], validate: false, emitSchemaFile: false });

/** Every field Q1 selects has the hub's GraphQL type, or the comparison measures something else. */
function assertSameTypes(ours: GraphQLSchema, hub: GraphQLSchema): void {
  const selected: Record<string, string[]> = {
    Query: ['alerts'],
    AlertConnection: ['edges'],
    AlertEdge: ['node'],
    Alert: ['id', 'type', 'severity', 'status', 'occurredAt', 'unit', 'device'],
    Unit: ['code', 'name', 'tier'],
    Device: ['id', 'externalId', 'name', 'type', 'status'],
  };
  for (const [typeName, fields] of Object.entries(selected)) {
    const mine = ours.getType(typeName) as GraphQLObjectType;
    const theirs = hub.getType(typeName);
    if (!isObjectType(mine) || !isObjectType(theirs)) throw new Error(`${typeName}: not an object type in both schemas`);
    for (const name of fields) {
      const a = mine.getFields()[name];
      const b = theirs.getFields()[name];
      if (!a || !b || String(a.type) !== String(b.type)) throw new Error(`${typeName}.${name}: ${String(a?.type)} here, ${String(b?.type)} in the hub`);
      const named = getNamedType(a.type);
      const hubNamed = getNamedType(b.type);
      if (isEnumType(named) && isEnumType(hubNamed) && named.getValues().map((v) => v.name).join() !== hubNamed.getValues().map((v) => v.name).join()) {
        throw new Error(`${named.name}: other values than the hub's`);
      }
    }
  }
  if (String(ours.getQueryType()?.getFields()['alerts']?.args.find((a) => a.name === 'first')?.type) !== 'Int') throw new Error('alerts(first): not an Int');
}
assertSameTypes(schema, hubSchema);

/**
 * STACK_HTTP=fastify (bench:levers): the same Apollo server through @as-integrations/fastify on
 * Fastify 5 (logger off, the same 10 MB body limit) instead of express 5: the HTTP layer lever.
 */
const HTTP_LAYER = process.env['STACK_HTTP'] === 'fastify' ? 'fastify' : 'express';

function apolloServer(drain: ApolloServerPlugin): ApolloServer {
  return new ApolloServer({
    schema,
    validationRules: [depthLimitRule(MAX_QUERY_DEPTH)],
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
    introspection: true,
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), drain],
  });
}

async function serveExpress(port: number): Promise<{ apollo: ApolloServer; port: number }> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const apollo = apolloServer(ApolloServerPluginDrainHttpServer({ httpServer }));
  await apollo.start();
  app.use('/graphql', express.json({ limit: '10mb' }), expressMiddleware(apollo, { context: async () => ({}) }));
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return { apollo, port: (httpServer.address() as AddressInfo).port };
}

async function serveFastify(port: number): Promise<{ apollo: ApolloServer; port: number }> {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  const apollo = apolloServer(fastifyApolloDrainPlugin(app));
  await apollo.start();
  app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: fastifyApolloHandler(apollo, { context: async () => ({}) }) });
  await app.listen({ port, host: '127.0.0.1' });
  return { apollo, port: (app.server.address() as AddressInfo).port };
}

const serving = await (HTTP_LAYER === 'fastify' ? serveFastify : serveExpress)(Number(process.env['PORT'] ?? 0));
const apollo = serving.apollo;
process.stdout.write(`listening ${serving.port}\n`);

// process.exit, not a return from the event loop: `node --cpu-prof` writes its profile then.
process.on('SIGTERM', () => {
  void apollo.stop().then(() => process.exit(0));
});
