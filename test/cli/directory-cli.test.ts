import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, readNdjson, runPush, scratchDir, serveHub } from '../helpers/push.js';

/**
 * From an empty database to a city of its own, as docs/directory.md tells it, with the
 * commands themselves: `serve` with DEMO=off, `bootstrap`, `token`, `push --kind units`,
 * `push --kind principals`, `push --kind departments` and an adapter of the new department
 * pushing an alert, then queries as the staff member just created.
 */
const TIMEOUT_MS = 300_000;
const JWT_SECRET = 'directory-cli-secret-0123456789abcdef0123456789';
const stops: (() => void)[] = [];
afterAll(() => stops.forEach((stop) => stop()));

function gridhub(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function gql(url: string, token: string, query: string): Promise<Record<string, any>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return (await response.json()) as Record<string, any>;
}

describe('a city moves in', () => {
  it(
    'DEMO=off serves an empty database; bootstrap makes the root and admin (idempotent, refuses another root); the directory and staff are pushed from files',
    async () => {
      const dir = scratchDir('directory');
      const env = { DATA_DIR: dir, JWT_SECRET, DEMO: 'off', PORT: '0', HOST: '127.0.0.1' };
      const made = await gridhub(['bootstrap', '--unit', '320600', '--name', '南通市', '--admin', 'nt.admin'], env);
      expect(made.code).toBe(0);
      expect(made.stdout).toContain('root unit 320600 南通市: created');
      expect(made.stdout).toContain('gridhub token nt.admin');
      const again = await gridhub(['bootstrap', '--unit', '320600', '--name', '南通市', '--admin', 'nt.admin'], env);
      expect(again.stdout).toContain('root unit 320600 南通市: existed');
      const other = await gridhub(['bootstrap', '--unit', '320500', '--name', '苏州市', '--admin', 'sz.admin'], env);
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('root unit is 南通市 (320600)');

      const served = await serveHub(env);
      stops.push(() => served.child.kill('SIGTERM'));
      const token = (await gridhub(['token', 'nt.admin'], env)).stdout.trim();
      const empty = await gql(served.url, token, '{ units { code } me { name roles } }');
      expect(empty['data'].units).toEqual([{ code: '320600' }]);
      expect(empty['data'].me.roles).toContain('ADMIN');

      const unitsFile = join(dir, 'units.csv');
      writeFileSync(
        unitsFile,
        ['code,name,parentCode,tier', '320612,通州区,320600,DISTRICT', '320612001,金沙街道,320612,STREET', '320612001001,金沙社区,320612001,COMMUNITY', '320612002,坏,320612,VILLAGE', '320612003,无父,320699,STREET', ''].join('\n'),
      );
      const pushed = await runPush(['--kind', 'units', '--file', unitsFile, '--url', served.url, '--token', token, '--progress', 'none'], {});
      expect(pushed.code).toBe(0);
      expect(pushed.stdout).toContain('accepted 3');
      const rejects = readNdjson<{ line: number; error: { code: string } }>(`${unitsFile}.rejects.ndjson`);
      expect(rejects.map((r) => [r.line, r.error.code])).toEqual([
        [5, 'INVALID_INPUT'],
        [6, 'UNKNOWN_UNIT'],
      ]);

      const staffFile = join(dir, 'staff.csv');
      writeFileSync(staffFile, ['name,kind,roles,unitCode,department,displayName,disabled', 'tz.officer,PERSON,OFFICER;GRID_WORKER,320612,,通州区值班员,false', ''].join('\n'));
      const staff = await runPush(['--kind', 'principals', '--file', staffFile, '--url', served.url, '--token', token, '--progress', 'none'], {});
      expect(staff.code).toBe(0);
      expect(staff.stdout).toContain('accepted 1');
      const officer = (await gridhub(['token', 'tz.officer'], env)).stdout.trim();
      const me = await gql(served.url, officer, '{ me { name roles unit { code path } } }');
      expect(me['data'].me).toEqual({ name: 'tz.officer', roles: ['GRID_WORKER', 'OFFICER'], unit: { code: '320612', path: '320600.320612' } });

      const departmentsFile = join(dir, 'departments.csv');
      writeFileSync(departmentsFile, ['code,name,jurisdictionCode,domains', 'tz-iot,通州区物联网感知平台,320612,Alert;Device', 'Bad Code,坏,320612,', 'tz-nowhere,无辖区,320699,', ''].join('\n'));
      const made2 = await runPush(['--kind', 'departments', '--file', departmentsFile, '--url', served.url, '--token', token, '--progress', 'none'], {});
      expect(made2.code).toBe(0);
      expect(made2.stdout).toContain('accepted 1');
      expect(readNdjson<{ line: number; error: { code: string } }>(`${departmentsFile}.rejects.ndjson`).map((r) => [r.line, r.error.code])).toEqual([
        [3, 'INVALID_FIELD'],
        [4, 'UNKNOWN_UNIT'],
      ]);
      const adapterFile = join(dir, 'adapters.csv');
      writeFileSync(adapterFile, ['name,kind,roles,unitCode,department,displayName,disabled', 'tz-iot,ADAPTER,ADAPTER,,tz-iot,通州区物联网接入,', ''].join('\n'));
      const adapters = await runPush(['--kind', 'principals', '--file', adapterFile, '--url', served.url, '--token', token, '--progress', 'none'], {});
      expect(adapters.stdout).toContain('accepted 1');
      const adapter = (await gridhub(['token', 'tz-iot'], env)).stdout.trim();
      const at = new Date().toISOString();
      const ingest = `mutation { ingestAlerts(input: { source: "tz-iot", records: [{ externalId: "tz-1", type: SMOKE, severity: HIGH, occurredAt: "${at}", unitCode: "320612001001" }, { externalId: "tz-2", type: SMOKE, severity: HIGH, occurredAt: "${at}", unitCode: "320600" }] }) { accepted rejected } }`;
      const alerted = await gql(served.url, adapter, ingest);
      expect(alerted['data']?.ingestAlerts).toEqual({ accepted: 1, rejected: 1 });
      const seen = await gql(served.url, officer, '{ alerts(first: 5) { totalCount edges { node { unit { code } } } } }');
      expect(seen['data'].alerts).toMatchObject({ totalCount: 1, edges: [{ node: { unit: { code: '320612001001' } } }] });
    },
    TIMEOUT_MS,
  );
});
