import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runHub, type HubHandle } from '../../src/main.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { findTemplate, templateKey, TEMPLATE_SOURCES } from '../../src/seed/demo-template.js';
import { dbKind } from '../helpers/hub.js';

/**
 * A fresh embedded DATA_DIR starts from the cached demo template: the first start seeds and
 * keeps the template, a second fresh DATA_DIR is a copy of it with its times moved to its own
 * start, and a template made from other migrations is never loaded.
 */
const scratch = mkdtempSync(join(tmpdir(), 'gridhub-template-'));
const cacheDir = join(scratch, 'cache');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const KINDS = ['units', 'principals', 'departments', 'devices', 'alerts', 'channels', 'resident_requests', 'cases', 'case_history', 'patrol_reports', 'patrol_findings'];

/** A hub on `dataDir` whose clock is `laterMs` ahead of the machine's. */
async function start(dataDir: string, laterMs = 0): Promise<{ handle: HubHandle; startedAt: number }> {
  const startedAt = Date.now() + laterMs;
  const config = loadConfig({ DATA_DIR: dataDir, TEMPLATE_CACHE_DIR: cacheDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'test' });
  return { handle: await runHub(config, { clock: { now: () => new Date(Date.now() + laterMs) } }), startedAt };
}

/** Rows per kind, and how long before `startedAt` the newest alert and the newest case history entry are. */
async function demoOf({ handle, startedAt }: { handle: HubHandle; startedAt: number }) {
  const rows = async (query: ReturnType<typeof sql>) => {
    const result = (await handle.database.db.execute(query)) as unknown as { rows?: Record<string, unknown>[] } | Record<string, unknown>[];
    return Array.isArray(result) ? result : (result.rows ?? []);
  };
  const counts: Record<string, number> = {};
  for (const kind of KINDS) counts[kind] = Number((await rows(sql`select count(*)::int as n from ${sql.identifier(kind)}`))[0]?.['n']);
  const [ages] = await rows(sql`select
      (select max(occurred_at) from alerts) as alert, (select max(at) from case_history) as history,
      (select max(last_heartbeat_at) from devices) as heartbeat, (select min(number) from cases) as number`);
  const age = (value: unknown) => startedAt - new Date(value as string).getTime();
  return { counts, alertAge: age(ages?.['alert']), historyAge: age(ages?.['history']), heartbeatAge: age(ages?.['heartbeat']), firstNumber: String(ages?.['number']) };
}

describe.skipIf(dbKind !== 'pglite')('the demo template', { timeout: 300_000 }, () => {
  it('a second fresh DATA_DIR starts from the first one\'s template: the same demo, its times moved to its own start', async () => {
    const first = await start(join(scratch, 'first'));
    const original = await demoOf(first);
    await first.handle.close();
    const template = findTemplate(cacheDir, templateKey());
    expect(template?.meta.summary.alerts).toBe(original.counts['alerts']);

    // Three days and a few hours later, a second newcomer: the same demo, as seen from its own start.
    const second = await start(join(scratch, 'second'), 3 * 86_400_000 + 5 * 3_600_000);
    try {
      expect(second.handle.seeded).toEqual(first.handle.seeded);
      const copy = await demoOf(second);
      expect(copy.counts).toEqual(original.counts);
      expect(copy.firstNumber).toBe(original.firstNumber);
      // Ages, not instants: each within the gap between "started" and the seed's own clock.
      for (const key of ['alertAge', 'historyAge', 'heartbeatAge'] as const) {
        expect(Math.abs(copy[key] - original[key]), key).toBeLessThan(60_000);
        expect(copy[key], key).toBeGreaterThan(-60_000);
      }
      // It serves like any hub, with the demo's principals, and makes its weekly reports.
      const token = await signToken(readFileSync(join(scratch, 'second', 'jwt-secret'), 'utf8').trim(), 'city.admin', 600);
      const response = await fetch(`${second.handle.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ alerts(first: 1) { totalCount } }' }),
      });
      const body = (await response.json()) as { data?: { alerts: { totalCount: number } } };
      expect(body.data?.alerts.totalCount).toBe(original.counts['alerts']);
      await expect
        .poll(async () => Number(((await second.handle.database.db.execute(sql`select count(*)::int as n from reports`)) as unknown as { rows: { n: number }[] }).rows[0]?.n), { timeout: 60_000 })
        .toBe(16);
    } finally {
      await second.handle.close();
    }
  });

  it('a template made from other migrations is not loaded', () => {
    const changed = join(scratch, 'migrations');
    cpSync(TEMPLATE_SOURCES.migrationsDir, changed, { recursive: true });
    writeFileSync(join(changed, '9999_later.sql'), 'select 1;');
    const key = templateKey({ ...TEMPLATE_SOURCES, migrationsDir: changed });
    expect(key).not.toBe(templateKey());
    expect(findTemplate(cacheDir, key)).toBeUndefined();
    expect(findTemplate(cacheDir, templateKey())).toBeDefined();
  });
});
