import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openEmbedded, openServer, type Database } from '../../src/platform/db/database.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { createLogger } from '../../src/platform/log.js';
import { runHub, type HubHandle } from '../../src/main.js';
import type { Clock, Logger } from '../../src/platform/context.js';
import type { Tracer } from '@opentelemetry/api';
import type { HubModule } from '../../src/platform/module.js';
import { alertLive } from '../../src/modules/alerts/alert.live.js';
import { TEST_JWT_SECRET } from './template.js';
import { databaseUrl } from './setup-postgres.js';

export type DbKind = 'pglite' | 'postgres';
export const dbKind: DbKind = process.env['GRIDHUB_TEST_DB'] === 'postgres' ? 'postgres' : 'pglite';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

export interface GqlOptions {
  /** A demo principal's name: a fresh token for it is sent. */
  as?: string;
  /** A raw Authorization header value (overrides `as`). */
  authorization?: string;
  headers?: Record<string, string>;
}

export interface TestHub {
  readonly url: string;
  readonly wsUrl: string;
  readonly database: Database;
  /** On PostgreSQL, the URL of this hub's database (another hub process can open it too). */
  readonly databaseUrl: string | undefined;
  readonly handle: HubHandle;
  token(name: string, ttlSeconds?: number): Promise<string>;
  /** How many `alertRaised` subscriptions this hub has registered (past them, events reach them). */
  liveAlertSubscribers(): number;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(private current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * Calls `onStatement` for every statement PGlite runs through `query` or `exec` (what drizzle
 * sends). On the server, postgres.js' `debug` hook does the same (openServer's onStatement).
 */
function countPgliteStatements(pglite: PGlite, onStatement: (query: string) => void): void {
  const query = pglite.query.bind(pglite);
  const exec = pglite.exec.bind(pglite);
  pglite.query = ((text: string, ...rest: unknown[]) => {
    onStatement(text);
    return (query as (...args: unknown[]) => unknown)(text, ...rest);
  }) as typeof pglite.query;
  pglite.exec = ((text: string, ...rest: unknown[]) => {
    onStatement(text);
    return (exec as (...args: unknown[]) => unknown)(text, ...rest);
  }) as typeof pglite.exec;
}

/** A fresh database made from the template: PGlite in memory, or a new database on the server. */
export async function freshDatabase(options: { onStatement?: (query: string) => void } = {}): Promise<{ database: Database; url?: string; drop: () => Promise<void> }> {
  if (dbKind === 'pglite') {
    const tar = readFileSync(inject('pgliteTemplate'));
    const database = await openEmbedded({ dir: undefined, loadDataDir: new Blob([tar]) });
    if (options.onStatement) countPgliteStatements(database.pglite, options.onStatement);
    return { database, drop: () => database.close() };
  }
  const base = process.env['TEST_DATABASE_URL'] as string;
  const template = inject('postgresTemplate');
  const name = `${template.replace(/_tpl$/, '')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${template}"`);
  await admin.end();
  const url = databaseUrl(base, name);
  const database = await openServer({ url, max: 5, ...(options.onStatement ? { onStatement: options.onStatement } : {}) });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      const dropper = postgres(base, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    },
  };
}

/**
 * A response body without `extensions.cost`, which every answer carries (test/security/cost-limits
 * tests it): tests compare whole bodies.
 */
function withoutCost<T extends { extensions?: Record<string, unknown> }>(body: T): T {
  if (!body.extensions || !('cost' in body.extensions)) return body;
  const { cost: _cost, ...rest } = body.extensions;
  const { extensions: _extensions, ...others } = body;
  return (Object.keys(rest).length > 0 ? { ...others, extensions: rest } : others) as T;
}

export async function createTestHub(
  options: { clock?: Clock; database?: Database; env?: Record<string, string>; modules?: readonly HubModule[]; demoData?: boolean; log?: Logger; tracer?: Tracer } = {},
): Promise<TestHub> {
  const fresh = options.database ? undefined : await freshDatabase();
  const database = options.database ?? fresh!.database;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: '.tmp/unused',
    // The weekly report run is driven by hand in tests (runDue), on the test's clock.
    REPORT_SCHEDULE_SECONDS: '0',
    // Tests run the device-silence sweeper themselves (sweepSilentDevices), with their clock.
    DEVICE_SWEEP_SECONDS: '0',
    // Tests sweep overdue cases themselves (sweepOverdueCases with a TestClock).
    CASE_SWEEP_SECONDS: '0',
    // Every test submits from 127.0.0.1: resident rate limits stay out of the way unless a test
    // sets its own (test/requests/rate-limits.test.ts).
    RESIDENT_RATE_PER_CLIENT: '1000000',
    RESIDENT_RATE_PER_CHANNEL: '1000000',
    // Every test's requests come from one address and a few principals: the cost budget per
    // minute stays out of the way unless a test sets its own (test/security/cost-limits.test.ts).
    COST_BUDGET_PER_MINUTE: '1000000000',
    ...options.env,
  });
  // demoData: the test's database is the template, seeded with the demo; the hub is told so only when a test wants the demo sign-in.
  const handle = await runHub(config, {
    database,
    log: options.log ?? createLogger('silent'),
    ...(options.tracer ? { tracer: options.tracer } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.modules ? { modules: options.modules } : {}),
    ...(options.demoData ? { demoData: true } : {}),
  });
  const token = (name: string, ttlSeconds = 3600) => signToken(TEST_JWT_SECRET, name, ttlSeconds);
  return {
    url: handle.server.url,
    wsUrl: handle.server.wsUrl,
    database,
    databaseUrl: fresh?.url,
    handle,
    token,
    liveAlertSubscribers: () => handle.hub.singles.of(alertLive).subscribers,
    async gql(query, variables, gqlOptions = {}) {
      const authorization = gqlOptions.authorization ?? (gqlOptions.as ? `Bearer ${await token(gqlOptions.as)}` : undefined);
      const response = await fetch(`${handle.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), ...gqlOptions.headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: withoutCost((await response.json()) as GqlResponse['body'] & { extensions?: Record<string, unknown> }) } as never;
    },
    async close() {
      await handle.close();
      await fresh?.drop();
    },
  };
}
