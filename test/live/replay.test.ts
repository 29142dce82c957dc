import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { CursoredClient } from '../helpers/cursored.js';
import { pruneLog } from '../../src/platform/pubsub/live-log.js';

/**
 * Replay with `after`, end to end over graphql-ws with real tokens: the CHANGES of a case and of
 * a device committed after a cursor are replayed once each, in commit order, then the stream goes
 * live; a principal outside their scope gets none of them from the same cursor. A cursor the
 * live log no longer covers (pruned past LIVE_REPLAY_DAYS) is refused with CURSOR_EXPIRED, one
 * the log still covers replays.
 */

let hub: TestHub;
const clients: CursoredClient[] = [];
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await hub?.close();
});

const CBD_GRID = '320613008001001';
const HUJING_GRID = '320613006001001';
const tag = `r${process.pid}-${Date.now() % 100_000}`;

async function client(as: string): Promise<CursoredClient> {
  const made = new CursoredClient(hub.wsUrl, `Bearer ${await hub.token(as)}`);
  clients.push(made);
  return made;
}

async function gql<T = any>(as: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { body } = await hub.gql<T>(query, variables, { as });
  expect(body.errors).toBeUndefined();
  return body.data!;
}

const OPEN = 'mutation ($input: OpenCaseInput!) { openCase(input: $input) { id version } }';
const MOVE = 'mutation ($id: ID!, $action: CaseAction!, $unit: String) { transitionCase(id: $id, action: $action, assigneeUnitCode: $unit) { state version } }';
const DEVICES = 'mutation ($input: IngestDevicesInput!) { ingestDevices(input: $input) { results { id: recordId } } }';
const BEAT = 'mutation ($input: HeartbeatDevicesInput!) { heartbeatDevices(input: $input) { updated } }';
const CASES = 'subscription ($after: String) { caseChanged(after: $after) { id state cursor } }';
const DEVICE_CHANGES = 'subscription ($after: String) { deviceStatusChanged(after: $after) { id status cursor } }';

interface CaseEvent {
  id: string;
  state: string;
  cursor: string;
}
interface DeviceEvent {
  id: string;
  status: string;
  cursor: string;
}

async function openCase(as: string, unitCode: string, title: string): Promise<string> {
  const data = await gql<{ openCase: { id: string } }>(as, OPEN, { input: { unitCode, title, category: 'SAFETY_HAZARD', severity: 'MEDIUM' } });
  return data.openCase.id;
}
async function move(as: string, id: string, action: string, unit?: string): Promise<void> {
  await gql(as, MOVE, { id, action, unit });
}
async function registerDevice(externalId: string, unitCode: string): Promise<string> {
  const input = { source: 'iot-platform', atomic: true, records: [{ externalId, type: 'SMOKE_DETECTOR', name: externalId, unitCode, heartbeatIntervalSeconds: 60 }] };
  return (await gql<{ ingestDevices: { results: { id: string }[] } }>('iot-platform', DEVICES, { input })).ingestDevices.results[0]!.id;
}
async function beat(externalId: string, status: 'ONLINE' | 'FAULT'): Promise<void> {
  const data = await gql<{ heartbeatDevices: { updated: number } }>('iot-platform', BEAT, {
    input: { source: 'iot-platform', atomic: false, records: [{ externalId, at: new Date().toISOString(), status }] },
  });
  expect(data.heartbeatDevices.updated).toBe(1);
}

describe(`replaying case and device changes on ${dbKind}`, () => {
  it('replays each change after the cursor once, in commit order, then goes live; a principal outside their scope gets none of them', async () => {
    const caseId = await openCase('wenfeng.officer', CBD_GRID, `${tag} 楼道堆物`);
    const deviceId = await registerDevice(`${tag}-cbd`, CBD_GRID);
    await registerDevice(`${tag}-hujing`, HUJING_GRID);

    // A subscriber live from before the changes: its "live now" cursors are the starting points.
    const watcher = await client('wenfeng.officer');
    const liveCases = watcher.subscribe<CaseEvent>('cases', CASES);
    const liveDevices = watcher.subscribe<DeviceEvent>('devices', DEVICE_CHANGES);
    await watcher.until(() => liveCases.live !== undefined && liveDevices.live !== undefined, 'the live-now pings');
    const caseCursor = liveCases.live!;
    const deviceCursor = liveDevices.live!;

    // Two changes of the same case and one of the device.
    await move('wenfeng.officer', caseId, 'REGISTER');
    await move('wenfeng.officer', caseId, 'DISPATCH', CBD_GRID);
    await beat(`${tag}-cbd`, 'FAULT');
    await watcher.until(() => liveCases.items.length >= 2 && liveDevices.items.length >= 1, 'the live deliveries');
    expect(liveCases.items.map((c) => c.id)).toEqual([caseId, caseId]);
    expect(liveDevices.items.map((d) => d.id)).toEqual([deviceId]);

    // From the same cursors: each change once, with the cursor the live subscriber got for it
    // (a replay reads the case as it is now: DISPATCHED for both changes).
    const resumed = await client('wenfeng.officer');
    const cases = resumed.subscribe<CaseEvent>('cases', CASES, { after: caseCursor });
    const devices = resumed.subscribe<DeviceEvent>('devices', DEVICE_CHANGES, { after: deviceCursor });
    await resumed.until(() => cases.items.length >= 2 && devices.items.length >= 1 && cases.live !== undefined && devices.live !== undefined, 'the replay');
    expect(cases.items).toEqual(liveCases.items.map((c) => ({ id: caseId, state: 'DISPATCHED', cursor: c.cursor })));
    expect(devices.items).toEqual([{ id: deviceId, status: 'FAULT', cursor: liveDevices.items[0]!.cursor }]);

    // Then live: the next change of each arrives once, after the replayed ones.
    await move('wenfeng.officer', caseId, 'START');
    await beat(`${tag}-cbd`, 'ONLINE');
    await resumed.until(() => cases.items.length >= 3 && devices.items.length >= 2, 'the live changes after the replay');
    await watcher.until(() => liveCases.items.length >= 3 && liveDevices.items.length >= 2, 'the live changes on the watcher');
    expect({ cases: cases.items.slice(2), devices: devices.items.slice(1) }).toEqual({
      cases: [{ id: caseId, state: 'IN_PROGRESS', cursor: liveCases.items[2]!.cursor }],
      devices: [{ id: deviceId, status: 'ONLINE', cursor: liveDevices.items[1]!.cursor }],
    });
    const ordered = (items: { cursor: string }[]) => items.every((item, i) => i === 0 || Number(item.cursor.split(':')[0]) > Number(items[i - 1]!.cursor.split(':')[0]));
    expect({ cases: ordered(cases.items), devices: ordered(devices.items) }).toEqual({ cases: true, devices: true });

    // 曙光社区's officer, from the same cursors: none of 文峰's changes. A change in its own
    // community, made afterwards, arrives, and nothing before it: the replay held nothing for it.
    const outsider = await client('shuguang.officer');
    const theirCases = outsider.subscribe<CaseEvent>('cases', CASES, { after: caseCursor });
    const theirDevices = outsider.subscribe<DeviceEvent>('devices', DEVICE_CHANGES, { after: deviceCursor });
    await outsider.until(() => theirCases.live !== undefined && theirDevices.live !== undefined, 'the outsider’s live-now pings');
    const ownCase = await openCase('shuguang.officer', HUJING_GRID, `${tag} 本社区`);
    await beat(`${tag}-hujing`, 'FAULT');
    await outsider.until(() => theirCases.items.length >= 1 && theirDevices.items.length >= 1, 'the outsider’s own changes');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect({
      cases: theirCases.items.map((c) => c.id),
      devices: theirDevices.items.map((d) => d.status),
      errors: [...theirCases.errors, ...theirDevices.errors, ...cases.errors, ...devices.errors],
    }).toEqual({ cases: [ownCase], devices: ['FAULT'], errors: [] });
    // And 文峰's resumed stream did not hear 曙光's.
    expect({ cases: cases.items.length, devices: devices.items.length }).toEqual({ cases: 3, devices: 2 });
  }, 60_000);
});

const RAISED = 'subscription ($after: String) { alertRaised(after: $after) { externalId cursor } }';
const INGEST = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }';

async function ingest(...externalIds: string[]): Promise<void> {
  const records = externalIds.map((externalId) => ({ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: HUJING_GRID }));
  const data = await gql<{ ingestAlerts: { accepted: number } }>('iot-platform', INGEST, { input: { source: 'iot-platform', records } });
  expect(data.ingestAlerts.accepted).toBe(externalIds.length);
}

describe(`an expired cursor on ${dbKind}`, () => {
  it('is refused with CURSOR_EXPIRED once the log before it was pruned; a cursor the log still covers replays', async () => {
    const watcher = await client('shuguang.officer');
    const live = watcher.subscribe<{ externalId: string; cursor: string }>('alerts', RAISED);
    await watcher.until(() => live.live !== undefined, 'the live-now ping');
    const before = live.live!;
    // One event with two alerts, then one with one.
    await ingest(`${tag}-x1`, `${tag}-x2`);
    await ingest(`${tag}-x3`);
    await watcher.until(() => live.items.length >= 3, 'the three alerts');
    const [x1, , x3] = live.items;
    const prunedSeq = x1!.cursor.split(':')[0]!;

    // The events up to x1's are made older than LIVE_REPLAY_DAYS, then the prune job's function runs.
    const days = hub.handle.hub.config.liveReplayDays;
    await hub.database.db.execute(sql`update live_log set logged_at = now() - make_interval(days => ${days + 1}) where seq <= ${Number(prunedSeq)}`);
    expect(await pruneLog(hub.database.db, days)).toBeGreaterThan(0);

    const late = await client('shuguang.officer');
    const expired = late.subscribe('expired', RAISED, { after: before });
    // x1's own cursor: x2, in the same pruned event, is gone too.
    const inPruned = late.subscribe('in-pruned', RAISED, { after: x1!.cursor });
    const kept = late.subscribe<{ externalId: string; cursor: string }>('kept', RAISED, { after: prunedSeq });
    await late.until(() => expired.errors.length > 0 && inPruned.errors.length > 0 && kept.items.length >= 1 && kept.live !== undefined, 'the answers');
    const codeOf = (errors: unknown[]) => (errors as { extensions?: Record<string, unknown> }[]).map((error) => error.extensions);
    await late.until(() => expired.completed && inPruned.completed, 'the refused subscriptions to complete');
    // graphql-ws hands a refusal on subscribe to the client as a result with errors, then complete.
    expect({ expired: codeOf(expired.errors), inPruned: codeOf(inPruned.errors), items: [...expired.items, ...inPruned.items] }).toEqual({
      expired: [{ code: 'CURSOR_EXPIRED', cursor: before, oldestKept: prunedSeq }],
      inPruned: [{ code: 'CURSOR_EXPIRED', cursor: x1!.cursor, oldestKept: prunedSeq }],
      items: [],
    });
    // The connection stays open; the cursor at the horizon replays x3, then goes live.
    await ingest(`${tag}-x4`);
    await late.until(() => kept.items.length >= 2, 'x4 after the replay');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect({ first: kept.items[0], ids: kept.items.map((a) => a.externalId) }).toEqual({ first: x3, ids: [`${tag}-x3`, `${tag}-x4`] });
    expect(late.closed).toBeUndefined();
  }, 60_000);
});
