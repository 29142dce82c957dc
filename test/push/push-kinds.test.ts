import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { runPush, scratchDir } from '../helpers/push.js';

/**
 * `gridhub push --kind devices | heartbeats | requests` as a process, with the example files:
 * registrations, then the same file again (DUPLICATE), then a changed row (UPDATED); heartbeats
 * for the devices just registered; hotline requests under the hotline adapter's own token.
 */

let hub: TestHub;
let dir: string;

beforeAll(async () => {
  if (dbKind !== 'pglite') return;
  hub = await createTestHub();
  dir = scratchDir('push-kinds');
});
afterAll(async () => {
  await hub?.close();
});

const summaryCounts = (stdout: string) => stdout.split('\n')[1];
const DEVICES = '{ devices(filter: { unitCode: "320613006" }, first: 100) { edges { node { externalId model status departmentCode heartbeatIntervalSeconds lastHeartbeatAt holderName } } } }';

describe.skipIf(dbKind !== 'pglite')('gridhub push, other kinds', { timeout: 240_000 }, () => {
  it('--kind devices then --kind heartbeats: registered, repeated, updated, then alive', async () => {
    const env = { GRIDHUB_TOKEN: await hub.token('iot-platform') };
    const file = join(dir, 'devices.csv');
    copyFileSync('examples/devices.csv', file);

    const first = await runPush(['--kind', 'devices', '--file', file, '--url', hub.url, '--progress', 'none'], env);
    expect(first.code).toBe(0);
    expect(summaryCounts(first.stdout)).toBe('  accepted 5   duplicates 0   rejected 0   skipped 0');
    const again = await runPush(['--kind', 'devices', '--file', file, '--url', hub.url, '--progress', 'none'], env);
    expect(summaryCounts(again.stdout)).toBe('  accepted 0   duplicates 5   rejected 0   skipped 0');

    const changed = join(dir, 'devices-changed.csv');
    writeFileSync(changed, readFileSync(file, 'utf8').replace(',YJ-SOS-5,', ',YJ-SOS-6,'));
    const update = await runPush(['--kind', 'devices', '--file', changed, '--url', hub.url, '--progress', 'none'], env);
    expect(summaryCounts(update.stdout)).toBe('  accepted 0   updated 1   duplicates 4   rejected 0   skipped 0');

    const beats = join(dir, 'heartbeats.ndjson');
    copyFileSync('examples/heartbeats.ndjson', beats);
    const alive = await runPush(['--kind', 'heartbeats', '--file', beats, '--url', hub.url, '--progress', 'none'], env);
    expect(alive.code).toBe(0);
    expect(summaryCounts(alive.stdout)).toBe('  accepted 0   updated 4   duplicates 0   rejected 0   skipped 0');

    const { body } = await hub.gql(DEVICES, {}, { as: 'xuetian.officer' });
    const mine = body.data!['devices'].edges.map((e: { node: { externalId: string } }) => e.node).filter((d: { externalId: string }) => d.externalId.startsWith('example-dev-'));
    expect(mine.sort((a: { externalId: string }, b: { externalId: string }) => a.externalId.localeCompare(b.externalId))).toEqual([
      { externalId: 'example-dev-0001', model: 'JTY-GD-H361', status: 'ONLINE', departmentCode: 'fire-brigade', heartbeatIntervalSeconds: 300, lastHeartbeatAt: '2026-11-28T08:00:00.000Z', holderName: null },
      { externalId: 'example-dev-0002', model: 'YJ-SOS-6', status: 'ONLINE', departmentCode: 'iot-platform', heartbeatIntervalSeconds: 600, lastHeartbeatAt: '2026-11-28T08:00:05.000Z', holderName: '张*' },
      { externalId: 'example-dev-0003', model: 'NB-JG100', status: 'FAULT', departmentCode: 'iot-platform', heartbeatIntervalSeconds: 1800, lastHeartbeatAt: '2026-11-28T08:00:07.000Z', holderName: null },
      // No heartbeat yet: ONLINE from its registration until it stays silent past its interval.
      { externalId: 'example-dev-0005', model: 'XHS-P10', status: 'ONLINE', departmentCode: 'fire-brigade', heartbeatIntervalSeconds: 1800, lastHeartbeatAt: null, holderName: null },
    ]);
  });

  it('--kind requests: the hotline pushes its work orders under its own name', async () => {
    const env = { GRIDHUB_TOKEN: await hub.token('12345-hotline') };
    const file = join(dir, 'requests.ndjson');
    copyFileSync('examples/requests.ndjson', file);
    const result = await runPush(['--kind', 'requests', '--file', file, '--url', hub.url, '--progress', 'none'], env);
    expect(result.code).toBe(0);
    expect(summaryCounts(result.stdout)).toBe('  accepted 4   duplicates 0   rejected 0   skipped 0');
    const { body } = await hub.gql('{ residentRequests(filter: { unitCode: "320613006001" }, first: 100) { edges { node { source externalId category contactName } } } }', {}, { as: 'shuguang.officer' });
    const pushed = body.data!['residentRequests'].edges.map((e: { node: { source: string | null } }) => e.node).filter((n: { source: string | null }) => n.source === '12345-hotline');
    expect(pushed).toEqual([
      { source: '12345-hotline', externalId: '12345-20261121-000530', category: 'HELP', contactName: '王五' },
      { source: '12345-hotline', externalId: '12345-20261120-000871', category: 'COMPLAINT', contactName: '李四' },
    ]);
    // The same file under another adapter's key: refused as a whole (FORBIDDEN), nothing stored.
    const wrong = await runPush(['--kind', 'requests', '--file', file, '--url', hub.url, '--progress', 'none'], { GRIDHUB_TOKEN: await hub.token('iot-platform') });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('FORBIDDEN');
  });
});
