import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, freshDatabase, type TestHub } from '../helpers/hub.js';
import { embeddedDir, openEmbedded, type Database, type Db } from '../../src/platform/db/database.js';
import { auditLog, entryHash, GENESIS_HASH, verifyAuditChain, type AuditRow } from '../../src/modules/audit/index.js';
import { HASH, run } from './support.js';

/**
 * Tampering with the audit log: the database refuses UPDATE/DELETE/TRUNCATE; a superuser who
 * switches the trigger off can still change rows, and `gridhub audit verify` (and the function
 * behind it) names the first entry that no longer fits the chain. The CLI runs as a process on
 * the same database: on PostgreSQL through DATABASE_URL; on PGlite on a DATA_DIR holding a copy
 * of the in-memory test database as it is at that moment.
 */

const BIN = join(process.cwd(), 'bin/gridhub.js');

let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let hub: TestHub;
let db: Db;
const dirs: string[] = [];

/** Where the CLI finds the database as it is now. */
async function cliEnv(): Promise<Record<string, string>> {
  if (dbKind === 'postgres') return { DATABASE_URL: fresh.url! };
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), '.tmp', 'audit-'));
  dirs.push(dir);
  const dump = await (fresh.database as Database & { pglite: PGlite }).pglite.dumpDataDir('none');
  await (await openEmbedded({ dir: embeddedDir(dir), loadDataDir: dump })).close();
  return { DATA_DIR: dir };
}

/** `gridhub …` as a process. */
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

/** Runs statements in one transaction (one connection, so SET LOCAL and DDL hold for the rest). */
async function inTransaction(db: Db, statements: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const statement of statements) await run(tx as unknown as Db, statement);
  });
}

let entries = 0;
let head = '';

beforeAll(async () => {
  fresh = await freshDatabase();
  db = fresh.database.db;
  hub = await createTestHub({ database: fresh.database });
});
afterAll(async () => {
  await hub?.close();
  await fresh?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The exception PostgreSQL raised (drizzle wraps it as the failed query's cause). */
async function refusal(statement: string): Promise<string> {
  try {
    await run(db, statement);
  } catch (error) {
    return String((error as { cause?: unknown }).cause ?? error);
  }
  return 'not refused';
}

describe('gridhub audit verify', { timeout: 180_000 }, () => {
  it('an empty chain verifies', async () => {
    expect(await verifyAuditChain(db)).toEqual({ intact: true, entries: 0, head: GENESIS_HASH });
  });

  it('entries written through the API verify, whatever the page size; the CLI prints count and head', async () => {
    const at = (i: number) => new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000 + i * 1000).toISOString();
    for (let i = 0; i < 4; i++) {
      const { body } = await hub.gql(
        `mutation($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`,
        { input: { source: 'iot-platform', records: [{ externalId: `verify-${i}`, type: 'SMOKE', severity: 'MEDIUM', occurredAt: at(i), unitCode: i % 2 ? '320600' : '320613006001', payload: { 楼栋: `${i}幢`, nested: { z: 1, a: [true, null, 'é'] } } }] } },
        { as: 'iot-platform', headers: { 'x-purpose': `sync ${i}` } },
      );
      expect(body.errors).toBeUndefined();
    }
    await hub.gql(`{ alerts { totalCount } }`, {}, { as: 'city.auditor' }); // a denial
    const rows = await db.select().from(auditLog).orderBy(asc(auditLog.seq));
    // 2 entries per ingest with an out-of-jurisdiction record (odd i), 1 otherwise, and the denial.
    expect(rows.map((r) => [r.seq, r.operation, r.outcome])).toEqual([
      [1, 'ingestAlerts', 'ALLOWED'],
      [2, 'ingestAlerts', 'ALLOWED'],
      [3, 'ingestAlerts', 'DENIED'],
      [4, 'ingestAlerts', 'ALLOWED'],
      [5, 'ingestAlerts', 'ALLOWED'],
      [6, 'ingestAlerts', 'DENIED'],
      [7, 'read', 'DENIED'],
    ]);
    entries = rows.length;
    head = rows[rows.length - 1]!.hash;
    expect(head).toMatch(HASH);
    for (const pageSize of [1, 2, 3, 7, 1000]) {
      expect(await verifyAuditChain(db, pageSize), `page size ${pageSize}`).toEqual({ intact: true, entries, head });
    }
    expect(await gridhub(['audit', 'verify'], await cliEnv())).toEqual({ code: 0, stdout: `audit chain verified: ${entries} entries, head ${head}\n`, stderr: '' });
  });

  it('the database refuses to change or remove an entry', async () => {
    expect(await refusal(`update audit_log set details = '{}' where seq = 2`)).toMatch('audit_log is append-only: UPDATE refused');
    expect(await refusal(`delete from audit_log where seq = 2`)).toMatch('audit_log is append-only: DELETE refused');
    expect(await refusal(`truncate audit_log`)).toMatch('audit_log is append-only: TRUNCATE refused');
    expect(await verifyAuditChain(db)).toEqual({ intact: true, entries, head });
  });

  it('an altered entry is named, by the function and the CLI; put back, the chain verifies again', async () => {
    const tamper = (change: string) => inTransaction(db, [`alter table audit_log disable trigger user`, change, `alter table audit_log enable trigger user`]);
    await tamper(`update audit_log set details = details || '{"inserted": 0}' where seq = 4`);
    for (const pageSize of [1, 3, 1000]) {
      expect(await verifyAuditChain(db, pageSize)).toEqual({
        intact: false,
        seq: 4,
        reason: expect.stringMatching(/^hash [0-9a-f]{64} does not match the entry's contents \(they hash to [0-9a-f]{64}\)$/),
        entries: 3,
      });
    }
    const broken = await gridhub(['audit', 'verify'], await cliEnv());
    expect(broken).toEqual({ code: 1, stdout: expect.stringMatching(/^audit chain broken at entry 4: hash [0-9a-f]{64} does not match the entry's contents .*\n$/), stderr: '' });

    await tamper(`update audit_log set details = details - 'inserted' where seq = 4`);
    expect(await verifyAuditChain(db)).toEqual({ intact: false, seq: 4, reason: expect.any(String), entries: 3 });
    // The original value of `inserted` was 1; restoring it exactly restores the chain.
    await tamper(`update audit_log set details = jsonb_set(details, '{inserted}', '1') where seq = 4`);
    expect(await verifyAuditChain(db)).toEqual({ intact: true, entries, head });
  });

  it('an entry rewritten with a fresh hash breaks the link to the next one', async () => {
    const [original] = await db.select().from(auditLog).where(eq(auditLog.seq, 2));
    const forged: AuditRow = { ...original!, purpose: 'nothing to see here' };
    forged.hash = entryHash(forged);
    const set = (row: AuditRow) =>
      db.transaction(async (tx) => {
        await run(tx as unknown as Db, `set local session_replication_role = replica`);
        await tx.update(auditLog).set({ purpose: row.purpose, hash: row.hash }).where(eq(auditLog.seq, 2));
      });
    await set(forged);
    expect(await verifyAuditChain(db)).toEqual({ intact: false, seq: 3, reason: `prev_hash ${original!.hash} is not the hash of entry 2 (${forged.hash})`, entries: 2 });
    await set(original!);
    expect(await verifyAuditChain(db)).toEqual({ intact: true, entries, head });
  });

  it('a removed entry is named, in the middle and at the start', async () => {
    const rows = await db.select().from(auditLog).orderBy(asc(auditLog.seq));
    const remove = (seq: number) => inTransaction(db, [`set local session_replication_role = replica`, `delete from audit_log where seq = ${seq}`]);

    await remove(5);
    expect(await verifyAuditChain(db, 2)).toEqual({ intact: false, seq: 5, reason: 'missing: entry 4 is followed by entry 6', entries: 4 });
    expect(await gridhub(['audit', 'verify'], await cliEnv())).toEqual({ code: 1, stdout: 'audit chain broken at entry 5: missing: entry 4 is followed by entry 6\n', stderr: '' });

    await remove(1);
    expect(await verifyAuditChain(db)).toEqual({ intact: false, seq: 1, reason: 'missing: the chain starts at entry 2', entries: 0 });

    // Put back as they were, the chain verifies again.
    await db.insert(auditLog).values([rows[0]!, rows[4]!]);
    expect(await verifyAuditChain(db)).toEqual({ intact: true, entries, head });
  });

  it.skipIf(dbKind !== 'pglite')('says what it needs', async () => {
    expect(await gridhub(['audit'], {})).toEqual({ code: 1, stdout: '', stderr: 'gridhub: audit needs a subcommand: gridhub audit verify | gridhub audit checkpoint\n' });
    const nowhere = join(process.cwd(), '.tmp', `no-such-dir-${process.pid}`);
    expect(await gridhub(['audit', 'verify'], { DATA_DIR: nowhere })).toEqual({ code: 1, stdout: '', stderr: `gridhub: no database in ${nowhere} (set DATA_DIR or DATABASE_URL)\n` });
  });
});
