import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestHub, type TestHub } from '../helpers/hub.js';

const LISTED = 'https://dept.example.gov';
const OTHER = 'https://elsewhere.example.com';

function preflight(hub: TestHub, origin: string): Promise<Response> {
  return fetch(`${hub.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-purpose' },
  });
}

function allowHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-allow-')));
}

/** How a WebSocket upgrade with these headers ends: 'open', or the HTTP status it was refused with. */
function upgrade(hub: TestHub, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(hub.wsUrl, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', reject);
  });
}

describe('CORS with CORS_ORIGINS set', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub({ env: { CORS_ORIGINS: `${LISTED}, http://localhost:5173` } });
  });
  afterAll(() => hub.close());

  it('answers a listed origin’s preflight 204 with the methods and headers, credentials off', async () => {
    const response = await preflight(hub, LISTED);
    expect(response.status).toBe(204);
    expect(allowHeaders(response)).toEqual({
      'access-control-allow-origin': LISTED,
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type,x-api-key,x-purpose',
    });
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a listed origin read the response of a real request', async () => {
    const response = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { origin: LISTED, 'content-type': 'application/json', authorization: `Bearer ${await hub.token('xuetian.officer')}` },
      body: JSON.stringify({ query: '{ me { name } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(((await response.json()) as { data: unknown }).data).toEqual({ me: { name: 'xuetian.officer' } });
  });

  it('gives an origin not listed no allow header, on a preflight or a request', async () => {
    const response = await preflight(hub, OTHER);
    expect(allowHeaders(response)).toEqual({});
    const post = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { origin: OTHER, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(allowHeaders(post)).toEqual({});
  });

  it('opens WebSockets without Origin, from the hub’s own origin and from listed origins; refuses others with 403', async () => {
    expect(await upgrade(hub, {})).toBe('open');
    expect(await upgrade(hub, { origin: LISTED })).toBe('open');
    expect(await upgrade(hub, { origin: 'http://localhost:5173' })).toBe('open');
    expect(await upgrade(hub, { origin: hub.url })).toBe('open');
    expect(await upgrade(hub, { origin: OTHER })).toBe(403);
    expect(await upgrade(hub, { origin: 'null' })).toBe(403);
  });
});

describe('CORS by default', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub();
  });
  afterAll(() => hub.close());

  it('lists no origin: no allow headers, cross-origin WebSockets refused', async () => {
    expect(allowHeaders(await preflight(hub, LISTED))).toEqual({});
    expect(await upgrade(hub, { origin: LISTED })).toBe(403);
    expect(await upgrade(hub, { origin: hub.url })).toBe('open');
  });
});
