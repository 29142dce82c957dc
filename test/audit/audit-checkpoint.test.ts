import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq, gt, sql } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, freshDatabase, type TestHub } from '../helpers/hub.js';
import { embeddedDir, openEmbedded, type Database, type Db } from '../../src/platform/db/database.js';
import { auditLog, entryHash, readCheckpoints, verifyAuditChain } from '../../src/modules/audit/index.js';

/**
 * Signed checkpoints against the database's owner: with the append-only trigger switched off,
 * (1) the newest entries deleted, (2) an entry edited and every later hash recomputed — both
 * leave a chain that verifies on its own; against the latest checkpoint (signed with
 * AUDIT_SIGNING_KEY, in a file outside the database) `gridhub audit verify` reports the
 * truncation and the rewrite with exit 1. The CLI runs as a process, as in audit-verify.test.ts.
 */
const BIN = join(process.cwd(), 'bin/gridhub.js');
const KEY = randomBytes(32).toString('base64');
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let hub: TestHub;
let db: Db;
let dir: string;
let checkpointFile: string;

async function cliEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const base = { AUDIT_SIGNING_KEY: KEY, AUDIT_CHECKPOINT_FILE: checkpointFile, ...extra };
  if (dbKind === 'postgres') return { DATABASE_URL: fresh.url!, ...base };
  const data = mkdtempSync(join(dir, 'data-'));
  const dump = await (fresh.database as Database & { pglite: PGlite }).pglite.dumpDataDir('none');
  await (await openEmbedded({ dir: embeddedDir(data), loadDataDir: dump })).close();
  return { DATA_DIR: data, ...base };
}

function gridhub(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  for (const key of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'DATA_DIR'] as const) if (!(key in env)) delete base[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: base });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** As the database's owner: the append-only trigger off for one transaction. */
function asOwner(work: (tx: Db) => Promise<void>): Promise<void> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger user`);
    await work(tx as unknown as Db);
    await tx.execute(sql`alter table audit_log enable trigger user`);
  });
}

beforeAll(async () => {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  dir = mkdtempSync(join(process.cwd(), '.tmp', 'checkpoint-'));
  checkpointFile = join(dir, 'witness', 'audit-checkpoints.jsonl');
  fresh = await freshDatabase();
  db = fresh.database.db;
  hub = await createTestHub({ database: fresh.database });
  for (let i = 0; i < 4; i++) {
    const { body } = await hub.gql(
      'mutation($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }',
      { input: { source: 'iot-platform', records: [{ externalId: `checkpoint-${i}`, type: 'SMOKE', severity: 'MEDIUM', occurredAt: new Date().toISOString(), unitCode: '320613006001' }] } },
      { as: 'iot-platform' },
    );
    expect(body.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await hub?.close();
  await fresh?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('signed checkpoints of the audit chain', { timeout: 600_000 }, () => {
  let entries = 0;

  it('gridhub audit checkpoint signs the head to a file outside the database; verify checks against it', async () => {
    const chain = await verifyAuditChain(db);
    expect(chain.intact).toBe(true);
    entries = chain.entries;
    expect(entries).toBeGreaterThanOrEqual(4);
    const written = await gridhub(['audit', 'checkpoint'], await cliEnv());
    expect(written).toMatchObject({ code: 0, stderr: '' });
    expect(written.stdout).toMatch(new RegExp(`^audit checkpoint: entry ${entries}, head [0-9a-f]{64}, signed `));
    const [checkpoint] = readCheckpoints(checkpointFile);
    expect(checkpoint).toMatchObject({ seq: entries, hash: (chain as { head: string }).head });
    expect(await gridhub(['audit', 'verify'], await cliEnv())).toEqual({
      code: 0,
      stdout: `audit chain verified: ${entries} entries, head ${checkpoint!.hash}; matches the checkpoint of ${checkpoint!.at} (entry ${entries})\n`,
      stderr: '',
    });
  });

  it('the newest entries deleted: the chain alone verifies, against the checkpoint it is a truncation (exit 1)', async () => {
    const removed = await db.select().from(auditLog).where(gt(auditLog.seq, entries - 2)).orderBy(asc(auditLog.seq));
    await asOwner(async (tx) => {
      await tx.delete(auditLog).where(gt(auditLog.seq, entries - 2));
    });
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, entries: entries - 2 });
    expect(await gridhub(['audit', 'verify'], await cliEnv())).toEqual({
      code: 1,
      stdout: expect.stringMatching(new RegExp(`^audit chain does not match its signed checkpoint: truncated: the chain ends at entry ${entries - 2}, the checkpoint of \\S+ signed entry ${entries}\\n$`)),
      stderr: '',
    });
    await asOwner(async (tx) => {
      await tx.insert(auditLog).values(removed);
    });
    expect((await gridhub(['audit', 'verify'], await cliEnv())).code).toBe(0);
  });

  it('an entry edited and every later hash recomputed: the chain alone verifies, against the checkpoint it is a rewrite (exit 1)', async () => {
    await asOwner(async (tx) => {
      const rows = await tx.select().from(auditLog).orderBy(asc(auditLog.seq));
      let prevHash = rows[0]!.hash;
      for (const row of rows.slice(1)) {
        const edited = { ...row, prevHash, ...(row.seq === 2 ? { purpose: 'nothing to see here' } : {}) };
        edited.hash = entryHash(edited);
        await tx.update(auditLog).set({ purpose: edited.purpose, prevHash: edited.prevHash, hash: edited.hash }).where(eq(auditLog.seq, row.seq));
        prevHash = edited.hash;
      }
    });
    expect(await verifyAuditChain(db)).toMatchObject({ intact: true, entries });
    expect(await gridhub(['audit', 'verify'], await cliEnv())).toEqual({
      code: 1,
      stdout: expect.stringMatching(new RegExp(`^audit chain does not match its signed checkpoint: rewritten: entry ${entries} hashes to [0-9a-f]{64}, the checkpoint of \\S+ signed [0-9a-f]{64}\\n$`)),
      stderr: '',
    });
  });

  it('a checkpoint the owner forges with another key is refused (exit 1); without the key, verify says what it needs', async () => {
    const lines = readFileSync(checkpointFile, 'utf8');
    const other = randomBytes(32).toString('base64');
    const forged = await gridhub(['audit', 'checkpoint'], await cliEnv({ AUDIT_SIGNING_KEY: other }));
    expect(forged.code).toBe(0);
    const verdict = await gridhub(['audit', 'verify'], await cliEnv());
    expect(verdict).toMatchObject({ code: 1, stdout: expect.stringMatching(/does not carry a valid signature for this key\n$/) });
    writeFileSync(checkpointFile, lines);
    const env = await cliEnv();
    delete (env as Record<string, string | undefined>)['AUDIT_SIGNING_KEY'];
    expect(await gridhub(['audit', 'verify'], env)).toEqual({ code: 1, stdout: '', stderr: `gridhub: ${checkpointFile} holds signed checkpoints: set AUDIT_SIGNING_KEY to check the chain against them\n` });
  });

  it('a running hub writes checkpoints by itself (AUDIT_CHECKPOINT_SECONDS) when AUDIT_SIGNING_KEY is set', async () => {
    const file = join(dir, 'hub', 'checkpoints.jsonl');
    const running = await createTestHub({ env: { AUDIT_SIGNING_KEY: KEY, AUDIT_CHECKPOINT_FILE: file, AUDIT_CHECKPOINT_SECONDS: '1' } });
    try {
      const deadline = Date.now() + 20_000;
      while (!existsSync(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const [first] = readCheckpoints(file);
      const head = await verifyAuditChain(running.database.db);
      expect(first).toMatchObject({ seq: head.entries });
    } finally {
      await running.close();
    }
  });
});
