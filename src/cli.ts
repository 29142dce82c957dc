import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { GraphQLError } from 'graphql';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DataDirLockedError } from './platform/db/lock.js';
import { applyMigrations, embeddedDir } from './platform/db/database.js';
import { parseTtl, signToken } from './platform/auth/jwt.js';
import { resolveJwtSecret } from './platform/auth/secret.js';
import { principals } from './modules/principals/index.js';
import { APIKEY_USAGE, runApiKeyCommand } from './modules/apikeys/index.js';
import { describeVerdict, verifyAuditChain } from './modules/audit/index.js';
import { QR_USAGE, runQrCommand } from './modules/channels/index.js';
import { DEMO_PRINCIPALS, isEmpty, seedDemo } from './seed/demo.js';
import { openDatabase, runHub } from './main.js';
import { printedSchema } from './schema.js';
import { pushCommand } from './push/command.js';
import { eq } from 'drizzle-orm';

const USAGE = `gridhub — a GraphQL data-sharing hub for grassroots governance

Usage:
  gridhub serve                      start the hub (what \`npm start\` runs)
  gridhub migrate                    apply the database migrations and exit
  gridhub seed --demo                load the Nantong/Chongchuan demo data into an empty database
  gridhub token <name> [--ttl 8h]    print a bearer token for a principal (e.g. city.admin)
  gridhub print-schema [--check]     print the GraphQL schema, or check schema/schema.graphql
  gridhub apikey create <adapter> [--label L]   make an adapter's API key; prints only the key
  gridhub apikey revoke <id | prefix | key>      revoke a key at once
  gridhub apikey list [adapter]                  list keys (prefix only, never the key)
  gridhub audit verify               recompute the audit log's hash chain (exit 1 when broken)
  gridhub qr <communityCode> [--channel <id>] [--out <dir>]   write a community channel's QR code (PNG, SVG)
  gridhub push --kind alerts --file F send a file of records to a hub in batches (gridhub push --help)

Environment: PORT (4000), HOST (0.0.0.0), DATA_DIR (./data), DATABASE_URL, JWT_SECRET,
MAX_QUERY_DEPTH (8), LOG_LEVEL (info|silent), LIVE_QUEUE_CAPACITY (5000), NODE_ENV,
PUBLIC_URL (http://localhost:<PORT>), TRUST_PROXY, CORS_ORIGINS, RESIDENT_RATE_PER_CHANNEL (120/h),
RESIDENT_RATE_PER_CLIENT (10/10 min), OIDC_ISSUER, OIDC_AUDIENCE, OIDC_PRINCIPAL_CLAIM
(preferred_username), OIDC_CLIENT_ID, OIDC_SCOPE (openid profile), OIDC_RESOURCE,
LOCAL_TOKENS (on|off). Sign-in: docs/sign-in.md.`;

const schemaFile = new URL('../schema/schema.graphql', import.meta.url);

/** How people sign in on this hub, for the banner. */
function signInLines(config: Config, demoSignIn: boolean): string[] {
  const lines: string[] = [];
  if (config.oidc) lines.push(`  Sign in    through ${config.oidc.issuer}${config.oidc.clientId ? ' (GraphiQL: Sign in)' : ''}`);
  if (demoSignIn) lines.push('  Demo       GraphiQL: Demo sign-in lists the demo principals');
  if (config.localTokens) lines.push('  Get a token (in another terminal):  npx gridhub token city.admin', '  then send  Authorization: Bearer <token>');
  return lines;
}

async function serve(config: Config): Promise<void> {
  const started = Date.now();
  const handle = await runHub(config);
  const { url, wsUrl } = handle.server;
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
  const lines = [
    `gridhub is up in ${Date.now() - started} ms on ${where}`,
    ...(handle.seeded ? [`  seeded demo data: ${handle.seeded.units} units, ${handle.seeded.devices} devices, ${handle.seeded.alerts} alerts, ${handle.seeded.cases} cases, ${handle.seeded.patrolReports} patrol reports`] : []),
    `  GraphQL    ${url}/graphql`,
    `  WebSocket  ${wsUrl}  (graphql-transport-ws; token in connectionParams.authorization)`,
    `  GraphiQL   ${url}/graphiql`,
    `  Health     ${url}/healthz   ${url}/readyz`,
    ...signInLines(config, handle.demoSignIn),
  ];
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    handle.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Last: whoever reads the banner may signal at once, and the handlers must be in place.
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function migrate(config: Config): Promise<void> {
  const { database, release } = await openDatabase(config);
  try {
    await applyMigrations(database);
    process.stdout.write('migrations applied\n');
  } finally {
    await database.close();
    release();
  }
}

async function seed(config: Config, demo: boolean): Promise<void> {
  if (!demo) throw new ConfigError('seed needs --demo (the only data set there is)');
  const { database, release } = await openDatabase(config);
  try {
    await applyMigrations(database);
    if (!(await isEmpty(database.db))) {
      process.stdout.write('the database already holds units: nothing seeded\n');
      return;
    }
    const summary = await seedDemo(database.db, { now: new Date() });
    process.stdout.write(`seeded ${summary.units} units, ${summary.principals} principals, ${summary.devices} devices, ${summary.alerts} alerts\n`);
  } finally {
    await database.close();
    release();
  }
}

/**
 * Prints only the token on stdout. On the embedded database it never opens the database (the
 * running hub holds it) and knows the demo principals; on a server it checks the principal.
 */
async function token(config: Config, name: string | undefined, ttl: string): Promise<void> {
  if (!name) throw new ConfigError('token needs a principal name, e.g. gridhub token city.admin');
  if (!config.localTokens) throw new ConfigError('LOCAL_TOKENS=off: this hub refuses the tokens gridhub token makes; sign in through the identity provider (OIDC_ISSUER) instead');
  const seconds = parseTtl(ttl);
  const secret = resolveJwtSecret(config);
  if (config.databaseUrl) {
    const { database } = await openDatabase(config);
    try {
      const [row] = await database.db.select({ name: principals.name }).from(principals).where(eq(principals.name, name));
      if (!row) throw new ConfigError(`no principal named "${name}" in the database`);
    } finally {
      await database.close();
    }
  } else if (!DEMO_PRINCIPALS.some((p) => p.name === name)) {
    throw new ConfigError(`no demo principal named "${name}"; one of: ${DEMO_PRINCIPALS.map((p) => p.name).join(', ')}`);
  }
  process.stdout.write(`${await signToken(secret, name, seconds)}\n`);
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] || 'unknown';
  }
}

/**
 * `apikey create|revoke|list` on the database itself, as `cli:<os user>`. On the embedded
 * database a running hub holds DATA_DIR: then the hub's own mutations are the way.
 */
async function apikey(config: Config, args: string[], label: string | undefined): Promise<void> {
  if (args.length === 0) throw new ConfigError(`apikey needs a command:\n${APIKEY_USAGE}`);
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase(config);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    throw new ConfigError(
      `${error.message.replace(/ Stop it, or use another DATA_DIR\.$/, '')} ` +
        'To manage API keys on the embedded database, stop the hub and run this again, or use the running hub as an admin: ' +
        'the createApiKey / revokeApiKey mutations and the apiKeys query (e.g. in GraphiQL with a token of city.admin).',
    );
  }
  const { database, release } = opened;
  try {
    await applyMigrations(database);
    const out = await runApiKeyCommand(database, args, { label, user: osUser() });
    process.stderr.write(out.stderr);
    process.stdout.write(out.stdout);
  } catch (error) {
    if (error instanceof GraphQLError) throw new ConfigError(error.message);
    throw error;
  } finally {
    await database.close();
    release();
  }
}

/**
 * `qr <communityCode>`: a community channel's posters, on the database itself (as
 * `cli:<os user>`). On the embedded database a running hub holds DATA_DIR: then the
 * channelQrCode mutation is the way.
 */
async function qr(config: Config, communityCode: string | undefined, channelId: string | undefined, outDir: string): Promise<void> {
  if (!communityCode) throw new ConfigError(`qr needs a community code, e.g. gridhub qr 320613006001\n\n${QR_USAGE}`);
  let opened: Awaited<ReturnType<typeof openDatabase>>;
  try {
    opened = await openDatabase(config);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    throw new ConfigError(
      `${error.message.replace(/ Stop it, or use another DATA_DIR\.$/, '')} ` +
        'To print a QR code from the embedded database, stop the hub and run this again, or use the running hub as an admin: ' +
        'the channelQrCode(id) mutation (e.g. in GraphiQL with a token of city.admin; channels(communityCode) lists the ids).',
    );
  }
  const { database, release } = opened;
  try {
    await applyMigrations(database);
    if (!process.env['PUBLIC_URL']) process.stderr.write(`PUBLIC_URL is not set: the codes point at ${config.publicUrl}, which residents' phones cannot reach; set PUBLIC_URL to the hub's address\n`);
    const out = await runQrCommand(database, communityCode, { publicUrl: config.publicUrl, outDir, channelId, user: osUser() });
    process.stderr.write(out.stderr);
    process.stdout.write(out.stdout);
    if (!out.complete) process.exitCode = 1;
  } catch (error) {
    if (error instanceof GraphQLError) throw new ConfigError(error.message);
    throw error;
  } finally {
    await database.close();
    release();
  }
}

async function printSchema(check: boolean): Promise<void> {
  const printed = await printedSchema();
  if (!check) {
    writeFileSync(schemaFile, printed);
    process.stdout.write(`wrote ${schemaFile.pathname}\n`);
    return;
  }
  const committed = readFileSync(schemaFile, 'utf8');
  if (committed !== printed) throw new ConfigError('schema/schema.graphql differs from the code: run `npm run schema:print` and commit it');
  process.stdout.write('schema/schema.graphql is current\n');
}

/**
 * Recomputes the audit chain and names the first broken entry; exit code 1 when it is broken.
 * On the embedded database it needs the DATA_DIR to itself (stop the hub first).
 */
async function auditCommand(config: Config, subcommand: string | undefined): Promise<void> {
  if (subcommand !== 'verify') throw new ConfigError('audit needs a subcommand: gridhub audit verify');
  if (!config.databaseUrl && !existsSync(embeddedDir(config.dataDir))) throw new ConfigError(`no database in ${config.dataDir} (set DATA_DIR or DATABASE_URL)`);
  const { database, release } = await openDatabase(config);
  try {
    const verdict = await verifyAuditChain(database.db).catch((error: unknown) => {
      if (/audit_log.*does not exist/.test(String(error))) throw new ConfigError('this database has no audit log yet: run gridhub migrate');
      throw error;
    });
    process.stdout.write(`${describeVerdict(verdict)}\n`);
    if (!verdict.intact) process.exitCode = 1;
  } finally {
    await database.close();
    release();
  }
}

async function main(argv: string[]): Promise<void> {
  // push is a client of a hub: its own options, no database, its own exit status.
  if (argv[0] === 'push') {
    // Exit now: idle keep-alive connections to the hub would hold the process for seconds.
    process.exit(await pushCommand(argv.slice(1)));
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      ttl: { type: 'string', default: '8h' },
      label: { type: 'string' },
      check: { type: 'boolean', default: false },
      channel: { type: 'string' },
      out: { type: 'string', default: '.' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      return migrate(config);
    case 'seed':
      return seed(config, values.demo);
    case 'token':
      return token(config, rest[0], values.ttl);
    case 'print-schema':
      return printSchema(values.check);
    case 'apikey':
      return apikey(config, rest, values.label);
    case 'audit':
      return auditCommand(config, rest[0]);
    case 'qr':
      if (rest.length > 1) throw new ConfigError(`qr takes one community code\n\n${QR_USAGE}`);
      return qr(config, rest[0], values.channel, values.out);
    default:
      throw new ConfigError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof RangeError) {
    process.stderr.write(`gridhub: ${error.message}\n`);
  } else {
    process.stderr.write(`gridhub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
