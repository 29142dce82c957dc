import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { asc, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { tables } from '../../src/tables.js';
import { embeddedDir, openEmbedded } from '../../src/platform/db/database.js';
import { accessRegistry } from '../../src/access.js';
import { createTestHub, dbKind } from '../helpers/hub.js';

const { apiKeys, auditLog } = tables;

/**
 * `gridhub apikey create|list|revoke` as processes: on a PostgreSQL server beside a running
 * hub (a revocation from the command reaches the hub's open WebSockets through NOTIFY), and on
 * the embedded database, where a running hub holds DATA_DIR and the command says what to do.
 */
const BIN = join(process.cwd(), 'bin/gridhub.js');
const KEY = /^ghk_[A-Za-z0-9_-]{43}$/;
const OPERATOR = `cli:${userInfo().username}`;
const ME = `{ me { name kind } }`;
/** Every `gridhub` process loads the TypeScript sources through tsx: seconds each, more on a busy machine. */
const CLI_TIMEOUT_MS = 300_000;
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...extra };
  for (const key of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'DATA_DIR'] as const) if (!(key in extra)) delete env[key];
  return env;
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function serve(env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: baseEnv(env) });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('GraphiQL')) resolve({ child, exited });
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

async function me(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: ME }) });
  return { status: response.status, body: await response.json() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** `apikey list` output: header, then one row per key (ID ADAPTER PREFIX CREATED CREATED-BY REVOKED LABEL). */
function listed(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/ {2,}/));
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(dbKind === 'postgres')('gridhub apikey on a PostgreSQL server, beside a running hub', () => {
  it('create prints only the key; list shows its prefix; revoke closes the hub’s connections with 4401 and the next request is 401; all audited', async () => {
    const hub = await createTestHub();
    try {
      const env = { DATABASE_URL: (hub.database as unknown as { url: string }).url };
      const created = await run(['apikey', 'create', 'iot-platform', '--label', 'gateway-7'], env);
      expect({ code: created.code, lines: created.stdout.split('\n') }).toEqual({ code: 0, lines: [expect.stringMatching(KEY), ''] });
      const key = created.stdout.trim();
      const prefix = key.slice(0, 12);
      expect(created.stderr).toMatch(new RegExp(`created API key ${prefix}… \\(id [0-9a-f-]{36}\\) for iot-platform; it is shown only this once`));
      expect(await me(hub.url, { authorization: `ApiKey ${key}` })).toMatchObject({ status: 200, body: { data: { me: { name: 'iot-platform', kind: 'ADAPTER' } } } });

      const list = await run(['apikey', 'list', 'iot-platform'], env);
      expect(list.code).toBe(0);
      expect(list.stdout).not.toContain(key);
      expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+ADAPTER\s+PREFIX\s+CREATED\s+CREATED BY\s+REVOKED\s+LABEL$/);
      const [row] = listed(list.stdout);
      expect(row).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), 'iot-platform', prefix, expect.any(String), OPERATOR, '-', 'gateway-7']);
      const id = row![0]!;

      // A connection that presented the key, open on the running hub.
      let closedWith: { code: number; reason: string } | undefined;
      const client = createClient({
        url: hub.wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => {},
        connectionParams: { 'x-api-key': key },
        on: { closed: (event) => (closedWith = { code: (event as { code: number }).code, reason: (event as { reason: string }).reason }) },
      });
      try {
        await until(() => hub.handle.hub.singles.of(accessRegistry).size === 1);
        const revoked = await run(['apikey', 'revoke', prefix], env);
        expect(revoked).toEqual({ code: 0, stdout: `revoked API key ${prefix} (id ${id}) of iot-platform\n`, stderr: '' });
        await until(() => closedWith !== undefined);
        expect(closedWith).toEqual({ code: 4401, reason: 'Unauthorized: API key revoked' });
      } finally {
        await client.dispose();
      }
      expect(await me(hub.url, { 'x-api-key': key })).toEqual({
        status: 401,
        body: { errors: [expect.objectContaining({ message: `API key ${prefix}… has been revoked`, extensions: { code: 'UNAUTHENTICATED' } })] },
      });
      const again = await run(['apikey', 'revoke', id], env);
      expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 1, stdout: '' });
      expect(again.stderr).toMatch(new RegExp(`^gridhub: API key ${prefix} \\(id ${id}\\) was already revoked at \\S+ by ${OPERATOR}\\n$`));
      const afterList = listed((await run(['apikey', 'list'], env)).stdout);
      expect(afterList).toEqual([[id, 'iot-platform', prefix, expect.any(String), OPERATOR, expect.stringMatching(new RegExp(` by ${OPERATOR}$`)), 'gateway-7']]);

      const entries = await hub.database.db.select().from(auditLog).where(eq(auditLog.kind, 'ApiKey')).orderBy(asc(auditLog.seq));
      expect(entries.map((e) => ({ actor: e.actor, actorKind: e.actorKind, unitCode: e.unitCode, unitPath: e.unitPath, operation: e.operation, recordIds: e.recordIds, details: e.details }))).toEqual(
        ['createApiKey', 'revokeApiKey'].map((operation) => ({
          actor: OPERATOR,
          actorKind: 'CLI',
          unitCode: '320613',
          unitPath: '320600.320613',
          operation,
          recordIds: [id],
          details: { adapter: 'iot-platform', prefix },
        })),
      );

      for (const [args, message] of [
        [['apikey', 'create', 'xuetian.officer'], /not an adapter/],
        [['apikey', 'revoke', 'ghk_zzzzzzzz'], /ApiKey ghk_zzzzzzzz not found/],
      ] as const) {
        const result = await run([...args], env);
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 1, stdout: '' });
        expect(result.stderr).toMatch(message);
      }
    } finally {
      await hub.close();
    }
  }, CLI_TIMEOUT_MS);
});

describe.runIf(dbKind === 'pglite')('gridhub apikey on the embedded database', () => {
  it('works on DATA_DIR while no hub runs (the key then works on the hub); while one runs, it refuses and says to stop the hub or use the mutations', async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'apikey-'));
    dirs.push(dataDir);
    const port = 43000 + (process.pid % 1000);
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    const url = `http://127.0.0.1:${port}`;
    expect((await run(['seed', '--demo'], env)).code).toBe(0);

    const created = await run(['apikey', 'create', 'iot-platform'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ghk_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();

    const hub = await serve(env);
    expect(await me(url, { authorization: `ApiKey ${key}` })).toMatchObject({ status: 200, body: { data: { me: { name: 'iot-platform', kind: 'ADAPTER' } } } });
    const refused = await run(['apikey', 'revoke', key.slice(0, 12)], env);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/is in use by process \d+/);
    expect(refused.stderr).toMatch(/stop the hub and run this again, or use the running hub as an admin: the createApiKey \/ revokeApiKey mutations/);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);

    const revoked = await run(['apikey', 'revoke', key], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked API key ${key.slice(0, 12)} \\(id [0-9a-f-]{36}\\) of iot-platform\\n$`));

    // What the commands left in DATA_DIR (opened here, cheaper than another hub start): the key
    // revoked by the operator, and an audit entry for each change under the adapter's jurisdiction.
    const database = await openEmbedded({ dir: embeddedDir(dataDir) });
    try {
      const rows = await database.db.select().from(apiKeys);
      expect(rows).toEqual([
        expect.objectContaining({ principalName: 'iot-platform', prefix: key.slice(0, 12), keyHash: createHash('sha256').update(key).digest('hex'), createdBy: OPERATOR, revokedAt: expect.any(Date), revokedBy: OPERATOR }),
      ]);
      const entries = await database.db.select().from(auditLog).where(eq(auditLog.kind, 'ApiKey')).orderBy(asc(auditLog.seq));
      expect(entries.map((e) => [e.operation, e.actor, e.actorKind, e.unitCode, e.recordIds])).toEqual([
        ['createApiKey', OPERATOR, 'CLI', '320613', [rows[0]!.id]],
        ['revokeApiKey', OPERATOR, 'CLI', '320613', [rows[0]!.id]],
      ]);
    } finally {
      await database.close();
    }
  }, CLI_TIMEOUT_MS);
});
