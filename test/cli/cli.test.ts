import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind } from '../helpers/hub.js';
import { databaseUrl } from '../helpers/setup-postgres.js';

/**
 * The `gridhub` command as a newcomer runs it: `serve` on a fresh DATA_DIR, `token` beside
 * the running hub, and the same against a PostgreSQL server. Processes, not functions.
 */
const BIN = join(process.cwd(), 'bin/gridhub.js');
const JWT = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/;
/**
 * These tests start several `gridhub` processes, each loading the sources through tsx: over a
 * minute on a loaded 2-core machine while another file spawns processes too (test/apikeys).
 */
const PROCESS_TEST_TIMEOUT_MS = 300_000;
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

/** `gridhub …` as `node bin/gridhub.js …`, or through `npx gridhub …` as the README has it. */
function run(args: string[], env: Record<string, string>, via: 'node' | 'npx' = 'node'): Promise<Run> {
  return new Promise((resolve) => {
    const child =
      via === 'npx'
        ? spawn('npx', ['--no-install', 'gridhub', ...args], { env: baseEnv(env), cwd: process.cwd() })
        : spawn(process.execPath, [BIN, ...args], { env: baseEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `serve` and resolves when it prints that it is up. */
function serve(env: Record<string, string>): Promise<{ child: ChildProcess; banner: string; ms: number; exited: Promise<number | null> }> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, 'serve'], { env: baseEnv(env) });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('GraphiQL')) resolve({ child, banner: out, ms: Date.now() - started, exited });
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

async function gql(port: number, token: string, query: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

function tempDir(): string {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), '.tmp', 'cli-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Several processes each (serve, token, serve again): room for a machine busy with the rest of the suite.
describe.skipIf(dbKind !== 'pglite')('gridhub on the embedded database', { timeout: 180_000 }, () => {
  it('serve seeds a fresh DATA_DIR; token works beside it; a second hub on the same dir is refused; SIGTERM stops it', async () => {
    const dataDir = tempDir();
    const port = String(41000 + (process.pid % 1000));
    const env = { DATA_DIR: dataDir, PORT: port, HOST: '127.0.0.1' };
    const hub = await serve(env);
    expect(hub.banner).toContain(`http://127.0.0.1:${port}/graphql`);
    expect(hub.banner).toContain(`ws://127.0.0.1:${port}/graphql`);
    expect(hub.banner).toContain(`http://127.0.0.1:${port}/graphiql`);
    expect(hub.banner).toContain('npx gridhub token city.admin');
    expect(hub.banner).toMatch(/seeded demo data: 338 units, \d+ devices, 3000 alerts/);
    console.info(`cold start on a fresh DATA_DIR: ${hub.ms} ms`);
    // The embedded demo offers the demo sign-in (NODE_ENV is test here, not production).
    expect(hub.banner).toContain('Demo       GraphiQL: Demo sign-in lists the demo principals');
    expect((await fetch(`http://127.0.0.1:${port}/auth/demo/principals`)).status).toBe(200);

    const token = await run(['token', 'shuguang.officer', '--ttl', '30m'], env, 'npx');
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    const lines = token.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(JWT);
    const payload = JSON.parse(Buffer.from(lines[0]!.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(1800);
    expect(((await gql(Number(port), lines[0]!, '{ me { name unit { name } } }')) as { data: unknown }).data).toEqual({ me: { name: 'shuguang.officer', unit: { name: '曙光社区' } } });

    const off = await run(['token', 'city.admin'], { ...env, LOCAL_TOKENS: 'off' });
    expect({ code: off.code, stdout: off.stdout, stderr: off.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gridhub: LOCAL_TOKENS=off: this hub refuses the tokens gridhub token makes; sign in through the identity provider (OIDC_ISSUER) instead\n',
    });

    const unknown = await run(['token', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/no demo principal named "nobody"/);

    const second = await run(['serve'], { ...env, PORT: String(Number(port) + 1) });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is in use by process \d+/);

    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(existsSync(join(dataDir, 'hub.lock')), 'a clean shutdown releases the DATA_DIR lock').toBe(false);

    // Restart on the same directory: no second seeding, the same secret, so old tokens still work.
    // With NODE_ENV=production the demo sign-in does not exist, even on the demo.
    const again = await serve({ ...env, NODE_ENV: 'production' });
    expect(again.banner).not.toContain('seeded');
    expect(again.banner).not.toContain('Demo sign-in');
    expect((await fetch(`http://127.0.0.1:${port}/auth/demo/principals`)).status).toBe(404);
    console.info(`start on an existing DATA_DIR: ${again.ms} ms`);
    expect(await gql(Number(port), lines[0]!, '{ alerts(first: 1) { totalCount } }')).toMatchObject({ data: { alerts: { totalCount: expect.any(Number) } } });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, PROCESS_TEST_TIMEOUT_MS);

  it('refuses DATABASE_URL without JWT_SECRET and says why', async () => {
    const result = await run(['serve'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/JWT_SECRET is not set/);
  });
});

const serverUrl = process.env['TEST_DATABASE_URL'];
describe.skipIf(dbKind !== 'pglite' || !serverUrl)('gridhub on a PostgreSQL server', { timeout: 180_000 }, () => {
  it('migrate, seed --demo once, token checks the principal, serve seeds nothing by itself', async () => {
    const name = `gh_cli_${process.pid}_${Date.now().toString(36)}`;
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    try {
      const url = databaseUrl(serverUrl!, name);
      const env = { DATABASE_URL: url, JWT_SECRET: 'cli-test-secret-cli-test-secret-cli-test-secret' };

      const served = await serve({ ...env, PORT: String(42000 + (process.pid % 1000)), HOST: '127.0.0.1' });
      expect(served.banner).toContain('PostgreSQL (DATABASE_URL)');
      expect(served.banner).not.toContain('seeded');
      expect(served.banner).not.toContain('Demo sign-in');
      expect((await fetch(`http://127.0.0.1:${42000 + (process.pid % 1000)}/auth/demo/principals`)).status).toBe(404);
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
      const db = postgres(url, { max: 1, onnotice: () => {} });
      expect(await db`select count(*)::int as n from units`).toEqual([{ n: 0 }]);

      expect((await run(['migrate'], env)).stdout).toBe('migrations applied\n');
      const seeded = await run(['seed', '--demo'], env);
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toMatch(/^seeded 338 units, 11 principals, \d+ devices, 3000 alerts\n$/);
      expect((await run(['seed', '--demo'], env)).stdout).toBe('the database already holds units: nothing seeded\n');
      expect(await db`select count(*)::int as n from alerts`).toEqual([{ n: 3000 }]);
      await db.end();

      const token = await run(['token', 'fire.officer'], env);
      expect(token.code).toBe(0);
      expect(token.stdout.trim()).toMatch(JWT);
      const missing = await run(['token', 'nobody'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no principal named "nobody"/);
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }, PROCESS_TEST_TIMEOUT_MS);
});
