/**
 * How `gridhub audit verify` scales: fills a scratch database on a PostgreSQL server with
 * audit entries (through appendAudit, 1,000 per transaction), runs the CLI at each size under
 * /usr/bin/time and prints wall time and peak memory. Memory should stay flat as the chain grows.
 *
 * Usage: npx tsx scripts/measure-audit-verify.ts postgres://postgres@127.0.0.1:5432/test [sizes=100000,1000000]
 */
import { spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { applyMigrations, openServer } from '../src/platform/db/database.js';
import { appendAudit, type AuditDraft } from '../src/modules/audit/index.js';

const [base, sizesArg = '100000,1000000'] = process.argv.slice(2);
if (!base) throw new Error('usage: measure-audit-verify.ts <postgres url> [sizes]');
const sizes = sizesArg.split(',').map(Number);
const name = `gh_auditbench_${process.pid}`;
const url = new URL(base);
url.pathname = `/${name}`;

const admin = postgres(base, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const database = await openServer({ url: url.toString(), max: 2 });
try {
  await applyMigrations(database);
  const actors = [
    { actor: 'iot-platform', actorKind: 'ADAPTER', unitCode: '320613', unitPath: '320600.320613', purpose: null },
    { actor: 'xuetian.officer', actorKind: 'PERSON', unitCode: '320613006', unitPath: '320600.320613.320613006', purpose: '核查火警' },
    { actor: 'shuguang.officer', actorKind: 'PERSON', unitCode: '320613006001', unitPath: '320600.320613.320613006.320613006001', purpose: '入户走访' },
  ];
  let written = 0;
  for (const size of sizes) {
    const started = Date.now();
    while (written < size) {
      const n = Math.min(1000, size - written);
      const drafts: AuditDraft[] = Array.from({ length: n }, (_, i) => ({
        operation: i % 3 ? 'read' : 'ingestAlerts',
        kind: 'Alert',
        recordIds: [crypto.randomUUID(), crypto.randomUUID()],
        fields: i % 3 ? ['holderName', 'holderPhone'] : [],
        details: { source: 'iot-platform', records: 2, inserted: 2, rejected: {}, aborted: false },
      }));
      await appendAudit(database.db, actors[(written / 1000) % 3]!, new Date(), drafts);
      written += n;
    }
    const fillMs = Date.now() - started;
    const run = spawnSync('/usr/bin/time', ['-f', '%e s, max RSS %M KB', process.execPath, 'bin/gridhub.js', 'audit', 'verify'], {
      env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    console.log(`${size} entries (filled in ${fillMs} ms): ${run.stdout.trim()} — ${run.stderr.trim()} (exit ${run.status})`);
  }
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
