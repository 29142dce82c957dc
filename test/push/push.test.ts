import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { readNdjson, runPush, scratchDir, startProxy, writeLines, type Proxy } from '../helpers/push.js';

/**
 * `gridhub push` as a process against a hub: the example files, the rejects file, the state
 * file and --resume, retries (a 503, an answer lost after the batch was stored) and the
 * failures no retry can mend (4xx, FORBIDDEN, bad credentials).
 *
 * Generated records are written into a time window of their own per test (ten minutes, in the
 * near future, after every seeded alert) and counted back with `alerts(filter: { from, to })`.
 */

let hub: TestHub;
let dir: string;
let token: string;
const proxies: Proxy[] = [];
const T0 = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
const WINDOW_MS = 10 * 60_000;

function windowOf(k: number) {
  const start = T0 + k * WINDOW_MS;
  return { from: new Date(start).toISOString(), to: new Date(start + WINDOW_MS).toISOString(), at: (i: number) => new Date(start + i * 1000).toISOString() };
}

async function count(filter: Record<string, unknown> = {}): Promise<number> {
  const { body } = await hub.gql<{ alerts: { totalCount: number } }>('query($f: AlertFilter) { alerts(filter: $f, first: 1) { totalCount } }', { f: filter }, { as: 'city.admin' });
  expect(body.errors).toBeUndefined();
  return body.data!.alerts.totalCount;
}

/** A file of `n` valid alerts in window `k`, one line each. */
async function alertsFile(name: string, k: number, n: number): Promise<string> {
  const w = windowOf(k);
  const path = join(dir, `${name}.ndjson`);
  await writeLines(path, n, (i) => JSON.stringify({ externalId: `${name}-${i}`, type: 'SMOKE', severity: 'HIGH', occurredAt: w.at(i), unitCode: i % 2 ? '320613006001' : '320613008001001' }));
  return path;
}

const env = () => ({ GRIDHUB_TOKEN: token });
const state = (file: string) => JSON.parse(readFileSync(`${file}.push-state.json`, 'utf8')) as Record<string, unknown>;
const summaryCounts = (stdout: string) => stdout.split('\n')[1];

beforeAll(async () => {
  if (dbKind !== 'pglite') return;
  hub = await createTestHub();
  token = await hub.token('iot-platform');
  dir = scratchDir('push');
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await hub?.close();
});

// Each test runs `gridhub push` as a process several times (Node and tsx start in 2–10 s on a
// busy machine), so the file runs once, in the PGlite project, like the CLI's own tests; on
// PostgreSQL, push-durability.test.ts drives `gridhub push` against `gridhub serve`.
describe.skipIf(dbKind !== 'pglite')('gridhub push', { timeout: 240_000 }, () => {
  it('pushes examples/alerts.ndjson: the good records are stored, the bad ones go to the rejects file with their line and error', async () => {
    const file = join(dir, 'alerts.ndjson');
    copyFileSync('examples/alerts.ndjson', file);
    const before = await count();

    const first = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none'], env());
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      expect.stringMatching(/^done: 13 records sent from .*alerts\.ndjson as iot-platform in [\d.]+ s \([\d,]+ records\/s\)$/),
      '  accepted 10   duplicates 0   rejected 5 (2 not sent: they could not be read)   skipped 0',
      `  5 rejected records, with their errors: ${file}.rejects.ndjson`,
      '',
    ]);
    expect(first.stderr).toBe(`gridhub push: every record was sent; 5 were rejected (see ${file}.rejects.ndjson)\n`);
    expect(readNdjson(`${file}.rejects.ndjson`)).toEqual([
      { line: 11, error: { code: 'UNREADABLE', field: null, message: expect.stringMatching(/^not valid JSON: /) }, text: '{"externalId":"example-bad-json","type":"SMOKE","severity":"HIGH"' },
      {
        line: 12,
        error: { code: 'INVALID_INPUT', field: 'type', message: expect.stringContaining('got "FLOOD"') },
        text: '{"externalId":"example-bad-type","type":"FLOOD","severity":"HIGH","occurredAt":"2026-11-24T10:00:00Z","unitCode":"320613006001"}',
      },
      {
        line: 13,
        externalId: 'example-bad-unit',
        error: { code: 'UNKNOWN_UNIT', field: 'unitCode', message: 'No unit has code 320613999999' },
        record: { externalId: 'example-bad-unit', type: 'SMOKE', severity: 'HIGH', occurredAt: '2026-11-24T10:00:00Z', unitCode: '320613999999' },
      },
      {
        line: 14,
        externalId: 'example-outside',
        error: { code: 'OUT_OF_JURISDICTION', field: 'unitCode', message: 'Unit is outside 崇川区 (320613)' },
        record: { externalId: 'example-outside', type: 'SMOKE', severity: 'HIGH', occurredAt: '2026-11-24T10:00:00Z', unitCode: '320600' },
      },
      {
        line: 15,
        externalId: 'example-bad-lat',
        error: { code: 'INVALID_FIELD', field: 'location.lat', message: 'lat must be within -90..90' },
        record: { externalId: 'example-bad-lat', type: 'SMOKE', severity: 'HIGH', occurredAt: '2026-11-24T10:00:00Z', unitCode: '320613006001', location: { lat: 91, lng: 120.86 } },
      },
    ]);
    expect(await count()).toBe(before + 10);
    // The first example, as 学田's officer reads it: in 互敬网格, its smoke detector linked.
    const { body } = await hub.gql(
      '{ alerts(filter: { unitCode: "320613006001001", types: [SMOKE], from: "2026-11-20T01:30:00Z", to: "2026-11-20T01:30:01Z" }) { edges { node { externalId source severity payload device { externalId } } } } }',
      {},
      { as: 'xuetian.officer' },
    );
    expect(body).toEqual({
      data: { alerts: { edges: [{ node: { externalId: 'example-0001', source: 'iot-platform', severity: 'HIGH', payload: { smokeDensity: 3.2, unit: 'dB/m', building: '7幢' }, device: { externalId: '320613006001-smoke_detector-01' } } }] } },
    });
    expect(state(file)).toEqual({
      version: 1,
      fingerprint: expect.any(String),
      kind: 'alerts',
      source: 'iot-platform',
      line: 15,
      bytes: readFileSync(file).length,
      accepted: 10,
      duplicates: 0,
      rejected: 5,
      skipped: 0,
      done: true,
      updatedAt: expect.any(String),
    });

    // Again, without --resume: the whole file is sent; the good records are DUPLICATE, nothing new is stored.
    const again = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none'], env());
    expect(again.code).toBe(0);
    expect(summaryCounts(again.stdout)).toBe('  accepted 0   duplicates 10   rejected 5 (2 not sent: they could not be read)   skipped 0');
    expect(readNdjson(`${file}.rejects.ndjson`)).toHaveLength(5);
    // With --resume: the state says everything was acknowledged, so nothing is sent.
    const resumed = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none', '--resume'], env());
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe(`push: ${file} was pushed completely before (through line 15); nothing to send\n`);
    expect(resumed.stdout).toMatch(/^done: 0 records sent/);
    expect(await count()).toBe(before + 10);
  });

  it('pushes examples/alerts.csv: typed columns, a JSON payload column, bad cells rejected locally; an unknown column stops it', async () => {
    const file = join(dir, 'alerts.csv');
    copyFileSync('examples/alerts.csv', file);
    const before = await count();
    const result = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none'], env());
    expect(result.code).toBe(0);
    expect(summaryCounts(result.stdout)).toBe('  accepted 6   duplicates 0   rejected 3 (2 not sent: they could not be read)   skipped 0');
    expect(readNdjson(`${file}.rejects.ndjson`)).toEqual([
      { line: 8, error: { code: 'INVALID_INPUT', field: 'occurredAt', message: expect.stringContaining('got "yesterday"') }, text: 'example-csv-bad-time,SMOKE,HIGH,yesterday,320613006001,,,,' },
      { line: 9, error: { code: 'INVALID_INPUT', field: 'lat', message: 'lat must be a number; got "north"' }, text: 'example-csv-bad-lat,SMOKE,HIGH,2026-11-24T10:00:00Z,320613006001,,north,120.86,' },
      {
        line: 10,
        externalId: 'example-csv-outside',
        error: { code: 'OUT_OF_JURISDICTION', field: 'unitCode', message: 'Unit is outside 崇川区 (320613)' },
        record: { externalId: 'example-csv-outside', type: 'SMOKE', severity: 'HIGH', occurredAt: '2026-11-24T10:00:00Z', unitCode: '320600' },
      },
    ]);
    expect(await count()).toBe(before + 6);
    const { body } = await hub.gql(
      '{ alerts(filter: { unitCode: "320613006001001", from: "2026-11-20T01:30:00Z", to: "2026-11-20T01:30:01Z" }) { edges { node { externalId location { lat lng } payload device { externalId } } } } }',
      {},
      { as: 'shuguang.officer' },
    );
    expect(body.data!['alerts'].edges.map((e: { node: unknown }) => e.node)).toContainEqual({
      externalId: 'example-csv-0001',
      location: { lat: 32.0146, lng: 120.8641 },
      payload: { smokeDensity: 2.7, building: '3幢' },
      device: { externalId: '320613006001-smoke_detector-02' },
    });

    const odd = join(dir, 'odd.csv');
    writeFileSync(odd, 'externalId,type,severity,occurredAt,unitCode,colour\nx,SMOKE,HIGH,2026-11-24T10:00:00Z,320613006001,red\n');
    const refused = await runPush(['--kind', 'alerts', '--file', odd, '--url', hub.url, '--progress', 'none'], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown CSV column "colour"; columns are externalId,type,severity,occurredAt,unitCode,deviceExternalId,lat,lng,payload');
  });

  it('reads what Windows tools write: a byte-order mark, CRLF line ends, blank lines', async () => {
    const w = windowOf(3);
    const file = join(dir, 'windows.ndjson');
    const line = (i: number) => JSON.stringify({ externalId: `windows-${i}`, type: 'STREET_VENDOR', severity: 'LOW', occurredAt: w.at(i), unitCode: '320613008001' });
    writeFileSync(file, `\uFEFF${line(1)}\r\n\r\n${line(2)}\r\n${line(3)}`);
    const result = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(summaryCounts(result.stdout)).toBe('  accepted 3   duplicates 0   rejected 0   skipped 0');
    expect(state(file)).toMatchObject({ line: 4, done: true });
    expect(await count({ from: w.from, to: w.to })).toBe(3);
  });

  it('sends a batch early when its records would make a request larger than the hub reads (10 MB)', async () => {
    const w = windowOf(4);
    const file = join(dir, 'large.ndjson');
    // 1,000 records of ~11 KB: 11 MB in one request would be refused with HTTP 413.
    await writeLines(file, 1000, (i) => JSON.stringify({ externalId: `large-${i}`, type: 'SMOKE', severity: 'LOW', occurredAt: w.at(i % 600), unitCode: '320613006001', payload: { blob: 'x'.repeat(11_000) } }));
    const proxy = await startProxy(`${hub.url}/graphql`, () => ({ kind: 'forward' }));
    proxies.push(proxy);
    const result = await runPush(['--kind', 'alerts', '--file', file, '--url', proxy.url, '--progress', 'none'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(summaryCounts(result.stdout)).toBe('  accepted 1,000   duplicates 0   rejected 0   skipped 0');
    const batches = proxy.requests.slice(1).map((body) => (JSON.parse(body) as { variables: { input: { records: unknown[] } } }).variables.input.records.length);
    expect(batches.length).toBe(2);
    expect(batches[0]! + batches[1]!).toBe(1000);
    for (const body of proxy.requests) expect(Buffer.byteLength(body)).toBeLessThan(9 * 1024 * 1024);
    expect(await count({ from: w.from, to: w.to })).toBe(1000);
  });

  it('stops at a 4xx without retrying it; --resume then sends only what was not acknowledged', async () => {
    const w = windowOf(0);
    const file = await alertsFile('stop-resume', 0, 50);
    // Request 1 is `me`; 2–4 carry the first three batches; the 5th is refused.
    const proxy = await startProxy(`${hub.url}/graphql`, (n) =>
      n === 5 ? { kind: 'fail', status: 403, body: { errors: [{ message: 'Refused by the gateway', extensions: { code: 'FORBIDDEN' } }] } } : { kind: 'forward' },
    );
    proxies.push(proxy);
    const stopped = await runPush(['--kind', 'alerts', '--file', file, '--url', proxy.url, '--batch', '10', '--concurrency', '1', '--progress', 'none', '--retry-delay', '20'], env());
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('gridhub push: FORBIDDEN: Refused by the gateway\n');
    expect(stopped.stderr).toContain(`gridhub push: lines 1–30 are acknowledged (${file}.push-state.json); rerun with --resume to continue from there\n`);
    expect(summaryCounts(stopped.stdout)).toBe('  accepted 30   duplicates 0   rejected 0   skipped 0');
    expect(proxy.requests).toHaveLength(5);
    expect(state(file)).toMatchObject({ line: 30, accepted: 30, done: false });
    expect(await count({ from: w.from, to: w.to })).toBe(30);

    const resumed = await runPush(['--kind', 'alerts', '--file', file, '--url', hub.url, '--batch', '10', '--progress', 'none', '--resume'], env());
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe(`push: resuming ${file} after line 30 (acknowledged earlier)\n`);
    expect(resumed.stdout.split('\n').slice(1)).toEqual([
      '  accepted 20   duplicates 0   rejected 0   skipped 0',
      '  resumed: 30 records through line 30 were acknowledged by an earlier run and not sent again',
      '',
    ]);
    expect(state(file)).toMatchObject({ line: 50, accepted: 50, done: true });
    expect(await count({ from: w.from, to: w.to })).toBe(50);
  });

  it('retries a 503 and an answer lost after the batch was stored; the resent batch comes back DUPLICATE, nothing is stored twice', async () => {
    const w = windowOf(1);
    const file = await alertsFile('retry', 1, 30);
    const proxy = await startProxy(`${hub.url}/graphql`, (n) => {
      if (n === 2) return { kind: 'fail', status: 503, body: { errors: [{ message: 'Service unavailable, try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] } };
      if (n === 3) return { kind: 'drop-answer' };
      return { kind: 'forward' };
    });
    proxies.push(proxy);
    const result = await runPush(['--kind', 'alerts', '--file', file, '--url', proxy.url, '--batch', '10', '--concurrency', '1', '--progress', 'none', '--retry-delay', '20'], env());
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual(['  accepted 20   duplicates 10   rejected 0   skipped 0', '  2 requests were retried', '']);
    expect(result.stderr).toMatch(/^push: HTTP 503 \(SERVICE_UNAVAILABLE: Service unavailable, try again shortly\); retry 1\/8 in [\d.]+ s\npush: network error: [^\n]+; retry 2\/8 in [\d.]+ s\n$/);
    // me, the 503, the lost answer, the same batch again, then the other two.
    expect(proxy.requests).toHaveLength(6);
    expect(proxy.requests[3]).toBe(proxy.requests[2]);
    expect(await count({ from: w.from, to: w.to })).toBe(30);
  });

  it('stops on what no retry can mend: no credentials, a bad token, a principal that may not ingest, a foreign source', async () => {
    const w = windowOf(2);
    const file = await alertsFile('refused', 2, 5);
    const args = ['--kind', 'alerts', '--file', file, '--url', hub.url, '--progress', 'none'];

    const none = await runPush(args, {});
    expect(none).toEqual({ code: 1, stdout: '', stderr: 'gridhub push: no credentials: --key KEY (or $GRIDHUB_API_KEY), or --token JWT (or $GRIDHUB_TOKEN)\n' });

    const forged = await runPush([...args, '--token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad'], {});
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/^gridhub push: the hub refused the request: UNAUTHENTICATED: /);

    const officer = await runPush(args, { GRIDHUB_TOKEN: await hub.token('xuetian.officer') });
    expect(officer.code).toBe(1);
    expect(officer.stderr).toContain('gridhub push: FORBIDDEN: Not allowed to ingest Alert\n');

    const foreign = await runPush([...args, '--source', 'fire-brigade'], env());
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('gridhub push: FORBIDDEN: Source must be "iot-platform" or "iot-platform/…", got "fire-brigade"\n');

    const unknownKind = await runPush(['--kind', 'weather', '--file', file, '--url', hub.url], env());
    expect(unknownKind).toEqual({ code: 1, stdout: '', stderr: 'gridhub push: --kind weather is not one gridhub can push; one of alerts, devices, heartbeats, requests, cases, patrols, units, departments, principals\n' });

    expect(await count({ from: w.from, to: w.to })).toBe(0);
    expect(existsSync(`${file}.rejects.ndjson`)).toBe(false);
  });
});
