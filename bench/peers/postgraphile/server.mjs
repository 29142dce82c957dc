// The PostGraphile v5 peer of `npm run bench:query`: the hub's tables as PostGraphile sees them.
// Runs on the Node 22 of the `node` package:
//   node_modules/node/bin/node server.mjs
// Environment: DATABASE_URL, PORT (0 → any free port; prints `listening <port>`), JWT_SECRET.
//
// Without JWT_SECRET: no permissions (the pool's role, no RLS). With it, as the PostGraphile
// JWT guide has it: the bearer token is verified here (HS256, audience `postgraphile`) and its
// claims go to PostgreSQL through `pgSettings` — `role` (a tier's role, whose row-level security
// policies `bench/query.ts` creates) and `jwt.claims.unit_code`; a request without a valid token
// is refused. Each request then runs in a transaction that sets them (`set local role …`).
//
// Additions over the Amber preset, each so the same logical query can be asked:
// - smart tags declare alerts.unit_code → units.code and cases.assignee_code → units.code (the
//   hub keeps those links in code, not as foreign keys), so an alert can select its unit and a
//   case its assignee unit;
// - PgIndexBehaviorsPlugin is off, so alerts can be ordered by occurred_at and cases by
//   opened_at (neither leads an index);
// - @graphile/pg-aggregates (grouped counts) and the connection filter (a time range), for Q3;
// - sessions use the Asia/Shanghai time zone, so "day" means the same as for the hub.
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { makeJSONPgSmartTagsPlugin } from 'postgraphile/utils';
import { PgAggregatesPreset } from '@graphile/pg-aggregates';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gridhub_bench';
const pool = new pg.Pool({ connectionString, max: 10, options: '-c TimeZone=Asia/Shanghai', application_name: 'bench-postgraphile' });

const tags = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: {
    class: {
      alerts: { tags: { foreignKey: '(unit_code) references units (code)' } },
      cases: { tags: { foreignKey: '(assignee_code) references units (code)' } },
    },
  },
});

const jwtSecret = process.env.JWT_SECRET;

/** The verified token's claims as PostgreSQL settings; throws (an HTTP error) without a valid token. */
function pgSettingsOf(authorization) {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw Object.assign(new Error('a bearer token is required'), { statusCode: 401 });
  const claims = jwt.verify(token, jwtSecret, { algorithms: ['HS256'], audience: 'postgraphile' });
  return { role: String(claims.role), 'jwt.claims.unit_code': String(claims.unit_code) };
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgAggregatesPreset, PostGraphileConnectionFilterPreset],
  plugins: [tags],
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', watch: false, graphiql: false },
  grafast: {
    explain: false,
    ...(jwtSecret ? { context: (requestContext) => ({ pgSettings: pgSettingsOf(requestContext.node?.req?.headers.authorization) }) } : {}),
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', async () => {
  server.close();
  await pgl.release();
  await pool.end();
  process.exit(0);
});
