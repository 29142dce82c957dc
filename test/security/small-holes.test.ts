import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/** The smaller holes of the attack on a demo hub: error pages, introspection, token lifetimes. */

describe('every error is coded JSON, never HTML or a stack', () => {
  let hub: TestHub;
  beforeAll(async () => {
    // NODE_ENV unset is where the stack and absolute paths showed.
    hub = await createTestHub({ env: { NODE_ENV: '' } });
  });
  afterAll(() => hub?.close());

  it.each([
    ['malformed JSON', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' }, 400, 'BAD_USER_INPUT'],
    ['a path that does not decode', '/reports/%E0%A4%A', { method: 'GET' }, 400, 'BAD_USER_INPUT'],
    ['no such route', '/nowhere', { method: 'GET' }, 404, 'NOT_FOUND'],
    ['no such method', '/healthz', { method: 'DELETE' }, 404, 'NOT_FOUND'],
  ] as const)('%s', async (_name, path, init, status, code) => {
    const response = await fetch(`${hub.url}${path}`, init);
    const text = await response.text();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text).not.toMatch(/<html|<pre|at \w+ \(|\/work\//i);
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(code);
  });
});

describe('in production, anonymous callers get neither introspection nor suggestions', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => hub?.close());

  it('refuses anonymous introspection, answers it when signed in', async () => {
    const anonymous = await hub.gql('{ __schema { queryType { name } } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const signedIn = await hub.gql('{ __schema { queryType { name } } }', {}, { as: 'city.admin' });
    expect(signedIn.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('drops "Did you mean" for anonymous callers only', async () => {
    const anonymous = await hub.gql('{ alertz { id } }');
    expect(anonymous.body.errors?.[0]?.message).toBe('Cannot query field "alertz" on type "Query".');
    const signedIn = await hub.gql('{ alertz { id } }', {}, { as: 'city.admin' });
    expect(signedIn.body.errors?.[0]?.message).toBe('Cannot query field "alertz" on type "Query". Did you mean "alert" or "alerts"?');
  });
});

describe('gridhub token --ttl', () => {
  const BIN = join(process.cwd(), 'bin', 'gridhub.js');
  const dir = mkdtempSync(join(tmpdir(), 'gridhub-ttl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32), ...extra };
      delete env['DATABASE_URL'];
      const child = spawn(process.execPath, [BIN, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('refuses 10 years; signs 30 days; MAX_TOKEN_TTL_DAYS moves the limit', async () => {
    const tenYears = await run(['token', 'city.admin', '--ttl', '3650d']);
    expect(tenYears.code).not.toBe(0);
    expect(tenYears.stderr).toContain('--ttl 3650d is longer than the 30 days this hub allows (MAX_TOKEN_TTL_DAYS)');
    expect(tenYears.stdout).toBe('');
    const month = await run(['token', 'city.admin', '--ttl', '30d']);
    expect(month.code).toBe(0);
    expect(month.stdout.trim().split('.')).toHaveLength(3);
    expect((await run(['token', 'city.admin', '--ttl', '30d'], { MAX_TOKEN_TTL_DAYS: '7' })).code).not.toBe(0);
  }, 60_000);
});
