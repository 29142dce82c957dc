import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { executeRows } from '../../src/platform/db/rows.js';
import { sql } from 'drizzle-orm';
import { demoUnitCodes, runPush, scratchDir, serveHub, startPush, writeLines } from '../helpers/push.js';
import type { ChildProcess } from 'node:child_process';

/**
 * Durability, on a PostgreSQL server: `gridhub serve` runs as a process of its own; halfway
 * through a `gridhub push` of 20,000 alerts it is killed with SIGKILL (no shutdown, no
 * flush, transactions cut off wherever they were). Then:
 * - every record push had seen acknowledged (the state file) is in the database;
 * - after a restart, `push --resume` sends the rest, and every externalId is stored exactly once.
 */
const TOTAL = 20_000;
const children: ChildProcess[] = [];
let drop: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await drop?.();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(dbKind !== 'postgres')('gridhub push survives the hub being killed', () => {
  it('SIGKILL mid-push loses nothing acknowledged; --resume after a restart stores every record exactly once', { timeout: 300_000 }, async () => {
    const fresh = await freshDatabase();
    drop = fresh.drop;
    const hubEnv = { DATABASE_URL: fresh.url!, JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1' };
    const dir = scratchDir('durability');
    const file = join(dir, 'alerts.ndjson');
    const units = demoUnitCodes();
    const started = Date.now() - 3_600_000;
    await writeLines(file, TOTAL, (i) =>
      JSON.stringify({
        externalId: `durable-${String(i).padStart(6, '0')}`,
        type: i % 3 ? 'SMOKE' : 'MANHOLE_TILT',
        severity: 'HIGH',
        occurredAt: new Date(started + i * 100).toISOString(),
        unitCode: units[i % units.length],
        payload: { i },
      }),
    );
    const token = await signToken(TEST_JWT_SECRET, 'iot-platform', 3600);
    const stored = async () => {
      const [row] = await executeRows<{ n: number; distinct: number }>(
        fresh.database.db,
        sql`select count(*)::int as n, count(distinct external_id)::int as distinct from alerts where source = 'iot-platform' and external_id like 'durable-%'`,
      );
      return row!;
    };
    const statePath = `${file}.push-state.json`;
    const acknowledged = () => (existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as { line: number; done: boolean }) : { line: 0, done: false });

    const first = await serveHub(hubEnv);
    children.push(first.child);
    const args = ['--kind', 'alerts', '--file', file, '--batch', '100', '--concurrency', '2', '--progress', 'none', '--retries', '2', '--retry-delay', '100'];
    const pushing = startPush([...args, '--url', first.url], { GRIDHUB_TOKEN: token });
    children.push(pushing.child);

    // Kill the hub once a fifth of the file is acknowledged, with batches in flight.
    while (acknowledged().line < TOTAL / 5) {
      expect(pushing.child.exitCode, 'push ended before the hub was killed').toBeNull();
      await sleep(5);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const interrupted = await pushing.done;
    expect(interrupted.code, interrupted.stderr).toBe(1);
    expect(interrupted.stderr).toMatch(/gridhub push: network error: .*\(gave up after 3 attempts\)\n/);
    expect(interrupted.stderr).toContain('rerun with --resume to continue from there');

    // Nothing acknowledged is lost: every line up to the state's line is stored.
    const { line, done } = acknowledged();
    expect(done).toBe(false);
    expect(line).toBeGreaterThanOrEqual(TOTAL / 5);
    expect(line).toBeLessThan(TOTAL);
    const prefix = await executeRows<{ n: number }>(
      fresh.database.db,
      sql`select count(*)::int as n from alerts where source = 'iot-platform' and external_id like 'durable-%' and substr(external_id, 9)::int < ${line}`,
    );
    expect(prefix[0]!.n).toBe(line);
    // Batches whose answer was lost may be stored too (committed just before the kill), never half of one.
    const afterKill = await stored();
    expect(afterKill.n).toBe(afterKill.distinct);
    expect(afterKill.n).toBeGreaterThanOrEqual(line);
    expect((afterKill.n - line) % 100).toBe(0);
    console.info(`hub killed with lines 1–${line} acknowledged; ${afterKill.n} records stored (${afterKill.n - line} in batches whose answer was lost)`);

    const second = await serveHub(hubEnv);
    children.push(second.child);
    const resumed = await runPush([...args, '--url', second.url, '--resume'], { GRIDHUB_TOKEN: token });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.split('\n').slice(1)).toEqual([
      `  accepted ${(TOTAL - afterKill.n).toLocaleString('en-US')}   duplicates ${(afterKill.n - line).toLocaleString('en-US')}   rejected 0   skipped 0`,
      `  resumed: ${line.toLocaleString('en-US')} records through line ${line.toLocaleString('en-US')} were acknowledged by an earlier run and not sent again`,
      '',
    ]);
    expect(await stored()).toEqual({ n: TOTAL, distinct: TOTAL });
    expect(acknowledged()).toMatchObject({ line: TOTAL, done: true });

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
