import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind } from '../helpers/hub.js';
import { databaseUrl } from '../helpers/setup-postgres.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';

// jsqr is CommonJS whose d.ts has `export default`: under NodeNext the function is `.default`.
const jsQR = jsqr.default;

/**
 * `gridhub qr <communityCode>` as an operator runs it, in processes: on the embedded database
 * and on a PostgreSQL server. The PNG it writes decodes to PUBLIC_URL/r/#<token>; a community
 * without a channel gets one; a channel made before tokens were kept is named, not printed.
 */
const BIN = join(process.cwd(), 'bin/gridhub.js');
const PROCESS_TEST_TIMEOUT_MS = 300_000;
const PUBLIC_URL = 'http://10.32.6.1:4000';
const dirs: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  const full: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  for (const key of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'DATA_DIR', 'PUBLIC_URL'] as const) if (!(key in env)) delete full[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: full });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function tempDir(): string {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), '.tmp', 'qr-'));
  dirs.push(dir);
  return dir;
}

function decode(file: string): string | undefined {
  const image = PNG.sync.read(readFileSync(file));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const FILE = /^(\d{12})-([0-9a-f]{8})\.(png|svg)$/;

describe.skipIf(dbKind !== 'pglite')('gridhub qr on the embedded database', { timeout: 240_000 }, () => {
  it('prints the demo 曙光 channel (its kept token), creates a channel for a community without one, refuses what is not a community', async () => {
    const dataDir = tempDir();
    const out = join(dataDir, 'posters');
    expect((await run(['seed', '--demo'], { DATA_DIR: dataDir })).code).toBe(0);

    const shuguang = await run(['qr', '320613006001', '--out', out], { DATA_DIR: dataDir, PUBLIC_URL });
    expect(shuguang).toMatchObject({ code: 0, stderr: '' });
    const url = `${PUBLIC_URL}/r/#${DEMO_CHANNEL_TOKEN}`;
    const [png, svg] = readdirSync(out).sort();
    expect(png).toMatch(FILE);
    expect(svg).toBe(png!.replace('.png', '.svg'));
    expect(png!.startsWith('320613006001-')).toBe(true);
    expect(shuguang.stdout).toBe(`曙光社区居民服务码  ${url}\n  ${join(out, png!)}\n  ${join(out, svg!)}\n`);
    expect(decode(join(out, png!))).toBe(url);
    expect(readFileSync(join(out, svg!), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    // 天龙社区 has no channel in the demo: one is made, named after it; without PUBLIC_URL the operator is warned.
    const tianlong = await run(['qr', '320613006004', '--out', out], { DATA_DIR: dataDir });
    expect(tianlong.code).toBe(0);
    expect(tianlong.stderr).toMatch(/^PUBLIC_URL is not set: the codes point at http:\/\/localhost:4000/);
    expect(tianlong.stderr).toMatch(/created channel [0-9a-f-]{36} "天龙社区居民服务码" for 320613006004/);
    const line = /^天龙社区居民服务码  (http:\/\/localhost:4000\/r\/#ghc_[A-Za-z0-9_-]{43})\n/.exec(tianlong.stdout);
    expect(line).not.toBeNull();
    const made = readdirSync(out).filter((f) => f.startsWith('320613006004-'));
    expect(made).toHaveLength(2);
    expect(decode(join(out, made.find((f) => f.endsWith('.png'))!))).toBe(line![1]);
    // Asked again, the same channel is printed: no second one.
    const again = await run(['qr', '320613006004', '--out', out], { DATA_DIR: dataDir });
    expect(again.stdout).toBe(tianlong.stdout);
    expect(again.stderr).not.toMatch(/created channel/);

    const street = await run(['qr', '320613006'], { DATA_DIR: dataDir });
    expect(street).toMatchObject({ code: 1, stdout: '' });
    expect(street.stderr).toMatch(/gridhub: 学田街道 \(320613006\) is a STREET; channels belong to communities/);
    const none = await run(['qr'], { DATA_DIR: dataDir });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/qr needs a community code/);
  }, PROCESS_TEST_TIMEOUT_MS);
});

const serverUrl = process.env['TEST_DATABASE_URL'];
describe.skipIf(dbKind !== 'pglite' || !serverUrl)('gridhub qr on a PostgreSQL server', { timeout: 240_000 }, () => {
  it('--channel picks one channel by id prefix; a channel made before tokens were kept is named and exits 1; every print is audited as cli:<user>', async () => {
    const name = `gh_qr_${process.pid}_${Date.now().toString(36)}`;
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const url = databaseUrl(serverUrl!, name);
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const env = { DATABASE_URL: url, JWT_SECRET: 'qr-test-secret-qr-test-secret-qr-test-secret', PUBLIC_URL };
      expect((await run(['seed', '--demo'], env)).code).toBe(0);
      const [seeded] = await db<{ id: string }[]>`select id from channels where community_code = '320613006001'`;
      // A second channel for 曙光, as if made before tokens were kept.
      await db`insert into channels (community_code, name, token_hash, created_by) values ('320613006001', '老海报', 'legacy-hash', 'city.admin')`;

      const out = tempDir();
      const picked = await run(['qr', '320613006001', '--channel', seeded!.id.slice(0, 8), '--out', out], env);
      expect(picked).toMatchObject({ code: 0, stderr: '' });
      expect(readdirSync(out).sort()).toEqual([`320613006001-${seeded!.id.slice(0, 8)}.png`, `320613006001-${seeded!.id.slice(0, 8)}.svg`]);
      expect(decode(join(out, `320613006001-${seeded!.id.slice(0, 8)}.png`))).toBe(`${PUBLIC_URL}/r/#${DEMO_CHANNEL_TOKEN}`);

      const all = await run(['qr', '320613006001', '--out', out], env);
      expect(all.code).toBe(1);
      expect(all.stdout).toContain(`${PUBLIC_URL}/r/#${DEMO_CHANNEL_TOKEN}`);
      expect(all.stderr).toMatch(/"老海报" was made before tokens were kept: rotate its token \(rotateChannelToken\)/);

      const unknown = await run(['qr', '320613006001', '--channel', 'ffffffff'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/Channel ffffffff \(active, of 曙光社区 320613006001\) not found/);

      const entries = await db<{ actor: string; actor_kind: string; unit_code: string; record_ids: string[] }[]>`
        select actor, actor_kind, unit_code, record_ids from audit_log where operation = 'channelQrCode' order by seq`;
      expect(entries).toHaveLength(2);
      for (const entry of entries) {
        expect(entry).toMatchObject({ actor: expect.stringMatching(/^cli:/), actor_kind: 'CLI', unit_code: '320613006001', record_ids: [seeded!.id] });
      }
    } finally {
      await db.end();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }, PROCESS_TEST_TIMEOUT_MS);
});
