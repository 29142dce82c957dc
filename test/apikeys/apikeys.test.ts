import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { asc, eq } from 'drizzle-orm';
import { tables } from '../../src/tables.js';
import { accessRegistry } from '../../src/access.js';
import { openServer } from '../../src/platform/db/database.js';
import { createTestHub, dbKind, type GqlOptions, type GqlResponse, type TestHub } from '../helpers/hub.js';

const { apiKeys, auditLog, departments, principals } = tables;

/**
 * Adapter API keys end to end: admins create, list and revoke them over HTTP with real
 * tokens; adapters authenticate with them over HTTP (both header forms) and WebSocket; a
 * revocation holds at the next request and closes open connections with 4401, on this hub
 * and (on PostgreSQL) on another hub process sharing the database.
 *
 * Besides the demo principals, the file adds a street-level admin of 学田 (`xuetian.admin`)
 * and an adapter whose department's jurisdiction is 学田 (`xuetian-cameras`).
 */

const KEY = /^ghk_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const FORBIDDEN = { code: 'FORBIDDEN', action: 'manage', subject: 'ApiKey' };

const API_KEY_FIELDS = 'id adapter prefix label createdBy createdAt revokedAt revokedBy';
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${API_KEY_FIELDS} } } }
`;
const REVOKE = /* GraphQL */ `
  mutation Revoke($id: ID!) { revokeApiKey(id: $id) { ${API_KEY_FIELDS} } }
`;
const LIST = /* GraphQL */ `
  query List($adapter: String, $first: Int, $after: String) {
    apiKeys(adapter: $adapter, first: $first, after: $after) { totalCount edges { cursor node { ${API_KEY_FIELDS} } } pageInfo { hasNextPage endCursor } }
  }
`;
const ME = `{ me { name kind roles unit { code } department { code jurisdiction { code } } expiresAt } }`;
const ME_AS_IOT = { me: { name: 'iot-platform', kind: 'ADAPTER', roles: ['ADAPTER'], unit: null, department: { code: 'iot-platform', jurisdiction: { code: '320613' } }, expiresAt: null } };
/** The same adapter through a bearer token: the token's expiry shows. */
const ME_AS_IOT_BY_TOKEN = { me: { ...ME_AS_IOT.me, expiresAt: expect.any(Number) } };
const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted rejected results { externalId status } } }
`;

interface ApiKeyNode {
  id: string;
  adapter: string;
  prefix: string;
  label: string | null;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}
interface Created {
  key: string;
  apiKey: ApiKeyNode;
}
interface Listed {
  totalCount: number;
  edges: { cursor: string; node: ApiKeyNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let hub: TestHub;
const sockets: { dispose(): void | Promise<void> }[] = [];

beforeAll(async () => {
  hub = await createTestHub();
  const db = hub.database.db;
  await db.insert(principals).values({ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' });
  await db.insert(departments).values({ code: 'xuetian-cameras', name: '学田街道视频监控平台', jurisdictionCode: '320613006', domains: [{ kind: 'Alert', types: ['THROWN_FROM_HEIGHT', 'STREET_VENDOR'] }] });
  await db.insert(principals).values({ name: 'xuetian-cameras', displayName: '学田视频平台接入', kind: 'ADAPTER', roles: ['ADAPTER'], departmentCode: 'xuetian-cameras' });
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map(async (s) => s.dispose()));
});
afterAll(() => hub?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** The data of a call that must have succeeded. */
async function ok<T>(response: Promise<GqlResponse<T>>): Promise<T> {
  const { status, body } = await response;
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  return body.data!;
}

async function create(adapter: string, options: GqlOptions = { as: 'city.admin' }, label?: string): Promise<Created> {
  return (await ok(hub.gql<{ createApiKey: Created }>(CREATE, { input: { adapter, ...(label !== undefined ? { label } : {}) } }, options))).createApiKey;
}

/** The single error of a failed call at `path`, with no data. */
function onlyError(response: GqlResponse, path: string): { message: string; extensions?: Record<string, unknown> } {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  const error = response.body.errors![0]!;
  expect(error.path).toEqual([path]);
  expect(JSON.stringify(error)).not.toMatch(/at .*\.(ts|js):\d+/);
  return error;
}

const apiKey = (key: string): GqlOptions => ({ authorization: `ApiKey ${key}` });
const xApiKey = (key: string): GqlOptions => ({ headers: { 'x-api-key': key } });

/** A graphql-ws connection that opens at once and stays open; `query` runs an operation over it. */
function connect(url: string, connectionParams: Record<string, string>) {
  let connected = false;
  let resolveClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
    onNonLazyError: () => {},
    on: {
      connected: () => (connected = true),
      closed: (event) => resolveClosed({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason }),
    },
  });
  sockets.push(client);
  const query = <T>(source: string) =>
    new Promise<{ data?: T; errors?: unknown[] }>((resolve, reject) => {
      let result: { data?: T; errors?: unknown[] } = {};
      client.subscribe<T>({ query: source }, { next: (value) => (result = value as never), error: reject, complete: () => resolve(result) });
    });
  const closedWithin = (timeoutMs = 5000) =>
    Promise.race([closed, sleep(timeoutMs).then(() => Promise.reject(new Error(`still open after ${timeoutMs} ms`)))]);
  /** `closed()`: how the socket closed, failing after `timeoutMs`; `ended`: the same, without a limit. */
  return { closed: closedWithin, ended: closed, query, isConnected: () => connected };
}

/** The order lists promise: creation time, then id, both descending (ids as the database compares uuids). */
function newestFirst(keys: ApiKeyNode[]): ApiKeyNode[] {
  return [...keys].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
}

function liveConnections(target: TestHub = hub): number {
  return target.handle.hub.singles.of(accessRegistry).size;
}

describe('creating a key and authenticating with it', () => {
  it('city.admin creates a key for iot-platform: shown once, stored as its SHA-256 only, and it authenticates with both header forms', async () => {
    const created = await create('iot-platform', { as: 'city.admin' }, '  gateway-7, machine room B ');
    expect(created).toEqual({
      key: expect.stringMatching(KEY),
      apiKey: {
        id: expect.stringMatching(UUID),
        adapter: 'iot-platform',
        prefix: created.key.slice(0, 12),
        label: 'gateway-7, machine room B',
        createdBy: 'city.admin',
        createdAt: expect.stringMatching(ISO),
        revokedAt: null,
        revokedBy: null,
      },
    });

    const [row] = await hub.database.db.select().from(apiKeys).where(eq(apiKeys.id, created.apiKey.id));
    expect(row!.keyHash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(row!.prefix).toBe(created.key.slice(0, 12));
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));

    expect((await hub.gql(ME, {}, apiKey(created.key))).body).toEqual({ data: ME_AS_IOT });
    expect((await hub.gql(ME, {}, xApiKey(created.key))).body).toEqual({ data: ME_AS_IOT });
    expect((await hub.gql(ME, {}, { authorization: `apikey ${created.key}` })).body, 'the scheme is case-insensitive, as Bearer is').toEqual({ data: ME_AS_IOT });

    const occurredAt = new Date(Date.now() - 60_000).toISOString();
    const records = (externalId: string) => [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt, unitCode: '320613006001001' }];
    for (const [externalId, options] of [['key-ingest-1', apiKey(created.key)], ['key-ingest-2', xApiKey(created.key)]] as const) {
      expect(await ok(hub.gql(INGEST, { input: { source: 'iot-platform', records: records(externalId) } }, options))).toEqual({
        ingestAlerts: { accepted: 1, rejected: 0, results: [{ externalId, status: 'ACCEPTED' }] },
      });
    }
    // The key acts as its adapter and nothing more: no alerts to read, no keys to manage.
    expect(onlyError(await hub.gql(`{ alerts { totalCount } }`, {}, apiKey(created.key)), 'alerts').extensions).toEqual({ code: 'FORBIDDEN', action: 'read', subject: 'Alert' });
    expect(onlyError(await hub.gql(LIST, {}, apiKey(created.key)), 'apiKeys').extensions).toEqual(FORBIDDEN);
  });

  it('never gives the key out again: apiKeys shows its prefix only, newest first, in keyset pages', async () => {
    const first = await create('iot-platform');
    const second = await create('iot-platform', { as: 'city.admin' }, 'second');
    const third = await create('xuetian-cameras');
    const [newerIot, olderIot] = newestFirst([first.apiKey, second.apiKey]);
    const page1 = (await ok(hub.gql<{ apiKeys: Listed }>(LIST, { adapter: 'iot-platform', first: 1 }, { as: 'city.admin' }))).apiKeys;
    expect(page1.edges.map((e) => e.node)).toEqual([newerIot]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await ok(hub.gql<{ apiKeys: Listed }>(LIST, { adapter: 'iot-platform', first: 1, after: page1.pageInfo.endCursor }, { as: 'city.admin' }))).apiKeys;
    expect(page2.edges.map((e) => e.node)).toEqual([olderIot]);

    const all = (await ok(hub.gql<{ apiKeys: Listed }>(LIST, { first: 100 }, { as: 'city.admin' }))).apiKeys;
    const ids = all.edges.map((e) => e.node.id);
    expect(ids.slice(0, 3)).toEqual(newestFirst([first.apiKey, second.apiKey, third.apiKey]).map((k) => k.id));
    expect(all.edges.map((e) => e.node)).toEqual(newestFirst(all.edges.map((e) => e.node)));
    expect(all.totalCount).toBe(ids.length);
    const text = JSON.stringify(all);
    for (const { key } of [first, second, third]) expect(text).not.toContain(key);
    const audit = JSON.stringify(await hub.database.db.select().from(auditLog));
    for (const { key } of [first, second, third]) expect(audit).not.toContain(key);
  });
});

describe('who may manage keys', () => {
  it('refuses every other principal on every path, with FORBIDDEN naming action and subject', async () => {
    const target = await create('iot-platform');
    const own = await create('iot-platform');
    const callers: [string, GqlOptions][] = [
      ['xuetian.officer', { as: 'xuetian.officer' }],
      ['chongchuan.officer', { as: 'chongchuan.officer' }],
      ['city.auditor', { as: 'city.auditor' }],
      ['fire.officer', { as: 'fire.officer' }],
      ['iot-platform (token)', { as: 'iot-platform' }],
      ['iot-platform (its own key)', apiKey(own.key)],
    ];
    for (const [label, options] of callers) {
      const attempts = {
        label,
        create: onlyError(await hub.gql(CREATE, { input: { adapter: 'iot-platform' } }, options), 'createApiKey').extensions,
        createUnknown: onlyError(await hub.gql(CREATE, { input: { adapter: 'nobody' } }, options), 'createApiKey').extensions,
        list: onlyError(await hub.gql(LIST, {}, options), 'apiKeys').extensions,
        revoke: onlyError(await hub.gql(REVOKE, { id: target.apiKey.id }, options), 'revokeApiKey').extensions,
      };
      expect(attempts).toEqual({ label, create: FORBIDDEN, createUnknown: FORBIDDEN, list: FORBIDDEN, revoke: FORBIDDEN });
    }
    for (const query of [CREATE, LIST, REVOKE]) {
      const variables = query === CREATE ? { input: { adapter: 'iot-platform' } } : query === REVOKE ? { id: target.apiKey.id } : {};
      expect((await hub.gql(query, variables)).body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
    // Nothing was revoked: the key still works.
    expect((await hub.gql(ME, {}, apiKey(target.key))).body).toEqual({ data: ME_AS_IOT });
  });

  it('an admin at a street manages the keys of adapters within the street only', async () => {
    const iot = await create('iot-platform');
    const refused = onlyError(await hub.gql(CREATE, { input: { adapter: 'iot-platform' } }, { as: 'xuetian.admin' }), 'createApiKey');
    expect(refused).toMatchObject({ message: expect.stringMatching(/iot-platform: its jurisdiction 320613 is not within your unit 320613006/), extensions: FORBIDDEN });
    // A key outside its unit does not exist for it, exactly like a missing one.
    expect(onlyError(await hub.gql(REVOKE, { id: iot.apiKey.id }, { as: 'xuetian.admin' }), 'revokeApiKey').extensions).toEqual({ code: 'NOT_FOUND', what: 'ApiKey', key: iot.apiKey.id });
    expect((await ok(hub.gql<{ apiKeys: Listed }>(LIST, { adapter: 'iot-platform' }, { as: 'xuetian.admin' }))).apiKeys).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });

    const cameras = await create('xuetian-cameras', { as: 'xuetian.admin' }, '学田 cameras');
    expect(cameras.apiKey).toMatchObject({ adapter: 'xuetian-cameras', createdBy: 'xuetian.admin', label: '学田 cameras' });
    const mine = (await ok(hub.gql<{ apiKeys: Listed }>(LIST, { first: 100 }, { as: 'xuetian.admin' }))).apiKeys;
    const listedAdapters = new Set(mine.edges.map((e) => e.node.adapter));
    expect([...listedAdapters]).toEqual(['xuetian-cameras']);
    expect(mine.edges[0]!.node).toEqual(cameras.apiKey);
    // The city admin manages it too (学田 lies within 南通).
    const revoked = (await ok(hub.gql<{ revokeApiKey: ApiKeyNode }>(REVOKE, { id: cameras.apiKey.id }, { as: 'city.admin' }))).revokeApiKey;
    expect(revoked).toEqual({ ...cameras.apiKey, revokedAt: expect.stringMatching(ISO), revokedBy: 'city.admin' });
    // And the key still works for iot-platform: xuetian.admin could not touch it.
    expect((await hub.gql(ME, {}, apiKey(iot.key))).body).toEqual({ data: ME_AS_IOT });
  });

  it('keys are for adapters only; unknown adapters and keys are NOT_FOUND; labels are checked', async () => {
    expect(onlyError(await hub.gql(CREATE, { input: { adapter: 'nobody' } }, { as: 'city.admin' }), 'createApiKey').extensions).toEqual({ code: 'NOT_FOUND', what: 'Adapter', key: 'nobody' });
    const person = onlyError(await hub.gql(CREATE, { input: { adapter: 'xuetian.officer' } }, { as: 'city.admin' }), 'createApiKey');
    expect(person).toMatchObject({ message: expect.stringMatching(/not an adapter/), extensions: { code: 'BAD_USER_INPUT', field: 'adapter' } });
    const long = onlyError(await hub.gql(CREATE, { input: { adapter: 'iot-platform', label: 'x'.repeat(201) } }, { as: 'city.admin' }), 'createApiKey');
    expect(long.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'label' });
    const control = onlyError(await hub.gql(CREATE, { input: { adapter: 'iot-platform', label: 'a\nb' } }, { as: 'city.admin' }), 'createApiKey');
    expect(control.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'label' });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect(onlyError(await hub.gql(REVOKE, { id }, { as: 'city.admin' }), 'revokeApiKey').extensions).toEqual({ code: 'NOT_FOUND', what: 'ApiKey', key: id });
    }
    expect(onlyError(await hub.gql(LIST, { adapter: 'nobody' }, { as: 'city.admin' }), 'apiKeys').extensions).toEqual({ code: 'NOT_FOUND', what: 'Adapter', key: 'nobody' });
  });
});

describe('revoking a key', () => {
  it('the next request with it answers 401; revoking twice is CONFLICT; both changes are in the audit log', async () => {
    const created = await create('iot-platform', { as: 'city.admin' }, 'to revoke');
    const other = await create('iot-platform');
    expect((await hub.gql(ME, {}, apiKey(created.key))).body).toEqual({ data: ME_AS_IOT });

    const revoked = (await ok(hub.gql<{ revokeApiKey: ApiKeyNode }>(REVOKE, { id: created.apiKey.id }, { as: 'city.admin' }))).revokeApiKey;
    expect(revoked).toEqual({ ...created.apiKey, revokedAt: expect.stringMatching(ISO), revokedBy: 'city.admin' });

    for (const options of [apiKey(created.key), xApiKey(created.key)]) {
      const { status, body } = await hub.gql(ME, {}, options);
      expect({ status, body }).toEqual({
        status: 401,
        body: { errors: [expect.objectContaining({ message: `API key ${created.key.slice(0, 12)}… has been revoked`, extensions: { code: 'UNAUTHENTICATED' } })] },
      });
    }
    // Only that key: the adapter's other key still works.
    expect((await hub.gql(ME, {}, xApiKey(other.key))).body).toEqual({ data: ME_AS_IOT });

    const again = onlyError(await hub.gql(REVOKE, { id: created.apiKey.id }, { as: 'city.admin' }), 'revokeApiKey');
    expect(again).toMatchObject({ message: expect.stringMatching(/already revoked by city.admin/), extensions: { code: 'CONFLICT', revokedAt: revoked.revokedAt, revokedBy: 'city.admin' } });

    const entries = await hub.database.db.select().from(auditLog).where(eq(auditLog.kind, 'ApiKey')).orderBy(asc(auditLog.seq));
    const mine = entries.filter((e) => e.recordIds.includes(created.apiKey.id));
    expect(mine.map((e) => ({ actor: e.actor, actorKind: e.actorKind, unitCode: e.unitCode, operation: e.operation, outcome: e.outcome, kind: e.kind, recordIds: e.recordIds, details: e.details }))).toEqual(
      ['createApiKey', 'revokeApiKey'].map((operation) => ({
        actor: 'city.admin',
        actorKind: 'PERSON',
        unitCode: '320600',
        operation,
        outcome: 'ALLOWED',
        kind: 'ApiKey',
        recordIds: [created.apiKey.id],
        details: { adapter: 'iot-platform', prefix: created.apiKey.prefix },
      })),
    );
  });

  it('refuses unknown, malformed and doubled credentials with 401 and a clear message', async () => {
    const created = await create('iot-platform');
    const cases: [string, GqlOptions, RegExp][] = [
      ['unknown key', apiKey(`ghk_${'A'.repeat(43)}`), /^Unknown API key$/],
      ['unknown key in X-Api-Key', xApiKey(`ghk_${'B'.repeat(43)}`), /^Unknown API key$/],
      ['malformed key', apiKey('ghk_short'), /Malformed API key/],
      ['a key with a character changed', apiKey(created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A')), /^Unknown API key$/],
      ['both headers', { authorization: `ApiKey ${created.key}`, headers: { 'x-api-key': created.key } }, /not both/],
      ['ApiKey with no key', { authorization: 'ApiKey' }, /"ApiKey <key>"/],
      ['another scheme', { authorization: 'Token abc' }, /use Bearer <token> or ApiKey <key>/],
    ];
    for (const [label, options, message] of cases) {
      const { status, body } = await hub.gql(ME, {}, options);
      expect({ label, status, code: body.errors?.[0]?.extensions?.['code'], data: body.data ?? null }).toEqual({ label, status: 401, code: 'UNAUTHENTICATED', data: null });
      expect(body.errors?.[0]?.message, label).toMatch(message);
    }
    // Bearer tokens work as before.
    expect((await hub.gql(ME, {}, { as: 'iot-platform' })).body).toEqual({ data: ME_AS_IOT_BY_TOKEN });
  });
});

describe('keys over WebSocket', () => {
  it('authenticates with connectionParams.authorization or x-api-key; revoking closes exactly the connections that presented the key with 4401', async () => {
    const revoked = await create('iot-platform');
    const kept = await create('iot-platform');
    const byAuthorization = connect(hub.wsUrl, { authorization: `ApiKey ${revoked.key}` });
    const byHeader = connect(hub.wsUrl, { 'x-api-key': revoked.key });
    const otherKey = connect(hub.wsUrl, { 'X-Api-Key': kept.key });
    const token = connect(hub.wsUrl, { authorization: `Bearer ${await hub.token('iot-platform')}` });
    for (const socket of [byAuthorization, byHeader, otherKey]) expect(await socket.query(ME)).toEqual({ data: ME_AS_IOT });
    expect(await token.query(ME)).toEqual({ data: ME_AS_IOT_BY_TOKEN });
    await until(() => liveConnections() === 4);

    await ok(hub.gql(REVOKE, { id: revoked.apiKey.id }, { as: 'city.admin' }));
    expect(await byAuthorization.closed()).toEqual({ code: 4401, reason: 'Unauthorized: API key revoked' });
    expect(await byHeader.closed()).toEqual({ code: 4401, reason: 'Unauthorized: API key revoked' });
    await until(() => liveConnections() === 2);
    const stillOpen = await Promise.race([otherKey.ended, token.ended, sleep(300).then(() => 'open')]);
    expect(stillOpen).toBe('open');
    expect(await otherKey.query(ME)).toEqual({ data: ME_AS_IOT });

    // A connection that presents the revoked key is refused outright.
    const late = connect(hub.wsUrl, { authorization: `ApiKey ${revoked.key}` });
    expect(await late.closed()).toEqual({ code: 4401, reason: `Unauthorized: API key ${revoked.key.slice(0, 12)}… has been revoked` });
    expect(late.isConnected()).toBe(false);
  });

  it('a connection with a subscription open ends with 4401 as well', async () => {
    const created = await create('iot-platform');
    const socket = connect(hub.wsUrl, { authorization: `ApiKey ${created.key}` });
    // An adapter may not read alerts: the subscription is refused, the connection stays.
    const refused = await socket.query(`subscription { alertRaised { id } }`);
    expect(refused).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'FORBIDDEN', action: 'read', subject: 'Alert' } })] });
    expect(socket.isConnected()).toBe(true);
    await ok(hub.gql(REVOKE, { id: created.apiKey.id }, { as: 'city.admin' }));
    expect(await socket.closed()).toEqual({ code: 4401, reason: 'Unauthorized: API key revoked' });
  });

  it.runIf(dbKind === 'postgres')('revoking on one hub process: the other answers 401 at once and closes its connections with 4401', async () => {
    const url = (hub.database as unknown as { url: string }).url;
    const otherDatabase = await openServer({ url, max: 2 });
    const other = await createTestHub({ database: otherDatabase });
    try {
      const created = await create('iot-platform');
      expect((await other.gql(ME, {}, apiKey(created.key))).body).toEqual({ data: ME_AS_IOT });
      const socket = connect(other.wsUrl, { 'x-api-key': created.key });
      expect(await socket.query(ME)).toEqual({ data: ME_AS_IOT });
      await until(() => liveConnections(other) === 1);

      await ok(hub.gql(REVOKE, { id: created.apiKey.id }, { as: 'city.admin' }));
      const { status, body } = await other.gql(ME, {}, apiKey(created.key));
      expect({ status, code: body.errors?.[0]?.extensions?.['code'] }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await socket.closed()).toEqual({ code: 4401, reason: 'Unauthorized: API key revoked' });
    } finally {
      await other.close();
      await otherDatabase.close();
    }
  });
});
