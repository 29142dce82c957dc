import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { CursoredClient } from '../helpers/cursored.js';

/**
 * Catching up by arrival on every list, as on `alerts`: `receivedFrom`/`receivedTo` bound when the
 * hub stored the record (resident requests: receivedAt; cases: openedAt; devices: createdAt;
 * patrol reports: filedAt), not the time the sending system gives. A record pushed in late, with
 * an old submittedAt or startedAt, is still caught up; a principal outside its scope gets none
 * of it; the live fields apply the same bounds.
 */

let hub: TestHub;
const clients: CursoredClient[] = [];
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await hub?.close();
});

const HUJING_GRID = '320613006001001';
const SHUGUANG = '320613006001';
const HOUR = 3_600_000;
const tag = `recv${process.pid}-${Date.now() % 100_000}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gql<T = any>(as: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { body } = await hub.gql<T>(query, variables, { as });
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** Runs `before`, takes a boundary between two sleeps, runs `after`: the boundary lies between their arrivals. */
async function around(before: () => Promise<unknown>, after: () => Promise<unknown>): Promise<string> {
  await before();
  await sleep(30);
  const boundary = new Date().toISOString();
  await sleep(30);
  await after();
  return boundary;
}

/** The tagged keys a list query returns for `as` with `filter`. */
async function listed(as: string, query: string, filter: Record<string, unknown>): Promise<string[]> {
  const data = await gql<Record<string, { edges: { node: { key: string | null } }[] }>>(as, query, { filter });
  return Object.values(data)[0]!.edges.map((edge) => edge.node.key ?? '').filter((key) => key.startsWith(tag));
}

const REQUESTS = 'query ($filter: ResidentRequestFilter) { residentRequests(filter: $filter, first: 100) { edges { node { key: externalId } } } }';
const INGEST_REQUESTS = 'mutation ($input: IngestResidentRequestsInput!) { ingestResidentRequests(input: $input) { accepted } }';
async function pushRequest(name: string, submittedAt: Date): Promise<void> {
  const records = [{ externalId: `${tag}-${name}`, category: 'COMPLAINT', text: '来电反映：楼下夜宵摊油烟扰民。', unitCode: SHUGUANG, submittedAt: submittedAt.toISOString() }];
  expect((await gql('12345-hotline', INGEST_REQUESTS, { input: { source: '12345-hotline', records } })).ingestResidentRequests.accepted).toBe(1);
}

const CASES = 'query ($filter: CaseFilter) { cases(filter: $filter, first: 100) { edges { node { key: title } } } }';
async function openCase(name: string): Promise<void> {
  await gql('xuetian.officer', 'mutation ($input: OpenCaseInput!) { openCase(input: $input) { id } }', {
    input: { unitCode: HUJING_GRID, title: `${tag}-${name}`, category: 'SAFETY_HAZARD', severity: 'MEDIUM' },
  });
}

const DEVICES = 'query ($filter: DeviceFilter) { devices(filter: $filter, first: 100) { edges { node { key: externalId } } } }';
async function registerDevice(name: string, label = name): Promise<void> {
  const input = { source: 'iot-platform', atomic: true, records: [{ externalId: `${tag}-${name}`, type: 'SMOKE_DETECTOR', name: label, unitCode: HUJING_GRID, heartbeatIntervalSeconds: 60 }] };
  await gql('iot-platform', 'mutation ($input: IngestDevicesInput!) { ingestDevices(input: $input) { accepted } }', { input });
}

const PATROLS = 'query ($filter: PatrolReportFilter) { patrolReports(filter: $filter, first: 100) { edges { node { key: routeNote } } } }';
async function filePatrol(name: string): Promise<void> {
  const input = { gridCode: HUJING_GRID, startedAt: new Date(Date.now() - 2 * HOUR).toISOString(), endedAt: new Date(Date.now() - HOUR).toISOString(), routeNote: `${tag}-${name}`, findings: [] };
  await gql('hujing.grid', 'mutation ($input: FilePatrolReportInput!) { filePatrolReport(input: $input) { id } }', { input });
}
async function pushPatrol(name: string, startedAt: Date): Promise<void> {
  const records = [{ externalId: `${tag}-${name}`, gridCode: HUJING_GRID, filedBy: '网格员甲', startedAt: startedAt.toISOString(), endedAt: new Date(startedAt.getTime() + HOUR).toISOString(), routeNote: `${tag}-${name}`, findings: [] }];
  expect((await gql('grid-app', 'mutation ($input: IngestPatrolReportsInput!) { ingestPatrolReports(input: $input) { accepted } }', { input: { source: 'grid-app', records } })).ingestPatrolReports.accepted).toBe(1);
}

describe(`receivedFrom / receivedTo on the lists, ${dbKind}`, () => {
  it('residentRequests: by receivedAt, so a request pushed in late (an old submittedAt) is caught up; 文峰 sees none of 曙光’s', async () => {
    const boundary = await around(
      () => pushRequest('early', new Date(Date.now() - HOUR)),
      () => pushRequest('late', new Date(Date.now() - 48 * HOUR)),
    );
    const mine = (filter: Record<string, unknown>) => listed('xuetian.officer', REQUESTS, { unitCode: SHUGUANG, ...filter });
    expect({
      receivedFrom: await mine({ receivedFrom: boundary }),
      receivedTo: await mine({ receivedTo: boundary }),
      from: await mine({ from: boundary }),
      outsider: await listed('wenfeng.officer', REQUESTS, { receivedFrom: boundary }),
    }).toEqual({ receivedFrom: [`${tag}-late`], receivedTo: [`${tag}-early`], from: [], outsider: [] });
    const late = await gql<{ residentRequests: { edges: { node: { receivedAt: string; submittedAt: string } }[] } }>('xuetian.officer', 'query ($filter: ResidentRequestFilter) { residentRequests(filter: $filter) { edges { node { receivedAt submittedAt } } } }', {
      filter: { unitCode: SHUGUANG, receivedFrom: boundary },
    });
    const [node] = late.residentRequests.edges.map((edge) => edge.node);
    expect(Date.parse(node!.receivedAt) - Date.parse(node!.submittedAt)).toBeGreaterThan(47 * HOUR);
  });

  it('cases: by openedAt, which the hub stamps when it stores the case; 文峰 sees none of 学田’s', async () => {
    const boundary = await around(() => openCase('early'), () => openCase('late'));
    expect({
      receivedFrom: await listed('xuetian.officer', CASES, { receivedFrom: boundary }),
      receivedTo: await listed('xuetian.officer', CASES, { receivedTo: boundary }),
      outsider: await listed('wenfeng.officer', CASES, { receivedFrom: boundary }),
    }).toEqual({ receivedFrom: [`${tag}-late`], receivedTo: [`${tag}-early`], outsider: [] });
  });

  it('devices: by createdAt (registration), which a later update of the device does not move; 文峰 sees none of 学田’s', async () => {
    const boundary = await around(() => registerDevice('early'), () => registerDevice('late'));
    await registerDevice('early', '改名后的烟感');
    expect({
      receivedFrom: await listed('xuetian.officer', DEVICES, { receivedFrom: boundary }),
      receivedTo: await listed('xuetian.officer', DEVICES, { receivedTo: boundary }),
      outsider: await listed('wenfeng.officer', DEVICES, { receivedFrom: boundary }),
    }).toEqual({ receivedFrom: [`${tag}-late`], receivedTo: [`${tag}-early`], outsider: [] });
  });

  it('patrolReports: by filedAt, so a report pushed in late (an old startedAt) is caught up; 文峰 sees none of 学田’s', async () => {
    const boundary = await around(() => filePatrol('early'), () => pushPatrol('late', new Date(Date.now() - 48 * HOUR)));
    expect({
      receivedFrom: await listed('xuetian.officer', PATROLS, { receivedFrom: boundary }),
      receivedTo: await listed('xuetian.officer', PATROLS, { receivedTo: boundary }),
      from: await listed('xuetian.officer', PATROLS, { from: boundary }),
      outsider: await listed('wenfeng.officer', PATROLS, { receivedFrom: boundary }),
    }).toEqual({ receivedFrom: [`${tag}-late`], receivedTo: [`${tag}-early`], from: [], outsider: [] });
  });

  it('refuses a receivedFrom that is not a date-time', async () => {
    for (const [query, name] of [[REQUESTS, 'residentRequests'], [CASES, 'cases'], [DEVICES, 'devices'], [PATROLS, 'patrolReports']] as const) {
      const { body } = await hub.gql(query, { filter: { receivedFrom: 'yesterday' } }, { as: 'xuetian.officer' });
      expect({ name, code: body.errors?.[0]?.extensions?.['code'] }).toEqual({ name, code: expect.stringMatching(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/) });
    }
  });
});

describe(`receivedFrom / receivedTo on the live fields, ${dbKind}`, () => {
  it('residentRequestSubmitted, deviceStatusChanged and caseChanged apply the bounds; a principal outside the scope hears nothing', async () => {
    await registerDevice('live-old');
    await sleep(30);
    const boundary = new Date().toISOString();
    await sleep(30);
    await registerDevice('live-new');

    const staff = new CursoredClient(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`);
    const outsider = new CursoredClient(hub.wsUrl, `Bearer ${await hub.token('wenfeng.officer')}`);
    clients.push(staff, outsider);
    const REQUEST_LIVE = 'subscription ($filter: ResidentRequestFilter) { residentRequestSubmitted(filter: $filter) { key: externalId } }';
    const DEVICE_LIVE = 'subscription ($filter: DeviceFilter) { deviceStatusChanged(filter: $filter) { key: externalId } }';
    const CASE_LIVE = 'subscription ($filter: CaseChangedFilter) { caseChanged(filter: $filter) { key: title } }';
    const casesSince = staff.subscribe<{ key: string }>('cases', CASE_LIVE, { filter: { receivedFrom: boundary } });
    const since = staff.subscribe<{ key: string }>('since', REQUEST_LIVE, { filter: { receivedFrom: boundary } });
    const until = staff.subscribe<{ key: string }>('until', REQUEST_LIVE, { filter: { receivedTo: boundary } });
    const devicesSince = staff.subscribe<{ key: string }>('devices', DEVICE_LIVE, { filter: { receivedFrom: boundary } });
    const theirs = outsider.subscribe<{ key: string }>('theirs', REQUEST_LIVE, { filter: { receivedFrom: boundary } });
    await staff.until(() => [since, until, devicesSince, casesSince].every((s) => s.live !== undefined), 'the live-now pings');
    await outsider.until(() => theirs.live !== undefined, 'the outsider’s live-now ping');

    await pushRequest('live', new Date(Date.now() - 48 * HOUR));
    const beat = (name: string) =>
      gql('iot-platform', 'mutation ($input: HeartbeatDevicesInput!) { heartbeatDevices(input: $input) { updated } }', {
        input: { source: 'iot-platform', atomic: false, records: [{ externalId: `${tag}-${name}`, at: new Date().toISOString(), status: 'FAULT' }] },
      });
    await beat('live-old');
    await beat('live-new');
    // A case opened before the boundary changes; one opened after it is opened.
    const { cases: old } = await gql<{ cases: { edges: { node: { id: string } }[] } }>('xuetian.officer', 'query ($filter: CaseFilter) { cases(filter: $filter) { edges { node { id } } } }', {
      filter: { receivedTo: boundary, states: ['REPORTED'], unitCode: HUJING_GRID },
    });
    await gql('xuetian.officer', 'mutation ($id: ID!) { transitionCase(id: $id, action: REGISTER) { state } }', { id: old.edges[0]!.node.id });
    await openCase('live-new');
    await staff.until(() => since.items.length >= 1 && devicesSince.items.length >= 1 && casesSince.items.length >= 1, 'the deliveries');
    await sleep(300);
    expect({
      since: since.items,
      until: until.items,
      devices: devicesSince.items,
      cases: casesSince.items,
      outsider: theirs.items,
      errors: [...since.errors, ...until.errors, ...devicesSince.errors, ...theirs.errors],
    }).toEqual({ since: [{ key: `${tag}-live` }], until: [], devices: [{ key: `${tag}-live-new` }], cases: [{ key: `${tag}-live-new` }], outsider: [], errors: [] });
  });
});
