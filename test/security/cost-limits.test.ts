import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestHub, freshDatabase, type TestHub } from '../helpers/hub.js';
import { wsClient } from '../helpers/ws.js';

/**
 * Cost limits (docs/security.md), end to end over HTTP and WebSocket. The attack that stalled a
 * demo hub: 1,000 aliases of `alerts(first: 100)` in one 66 KB request (7.6 s, /healthz 5.7 s
 * meanwhile), and 1,000 aliases of the public residentRequestStatus, anonymous.
 */

const ALIASED_ALERTS = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: alerts(first: 100) { edges { node { id kind severity unit { code name } } } }`).join(' ')} }`;
const ALIASED_STATUS = `{ ${Array.from({ length: 1000 }, (_, i) => `s${i}: residentRequestStatus(trackingCode: "ABCD-EFGH-${String(i).padStart(4, '0')}") { status }`).join(' ')} }`;

let statements = 0;
let hub: TestHub;
let drop: () => Promise<void>;
beforeAll(async () => {
  const fresh = await freshDatabase({ onStatement: () => (statements += 1) });
  drop = fresh.drop;
  hub = await createTestHub({ database: fresh.database });
});
afterAll(async () => {
  await hub?.close();
  await drop?.();
});

function codeOf(body: { errors?: { extensions?: Record<string, unknown> }[] }): unknown {
  return body.errors?.[0]?.extensions?.['code'];
}

describe('one request', () => {
  it('refuses 1,000 aliases of alerts(first: 100) before any SQL, while /healthz answers', async () => {
    expect(ALIASED_ALERTS.length).toBeGreaterThan(60_000);
    await hub.gql('{ me { name } }', {}, { as: 'city.admin' }); // the principal's access is cached
    const before = statements;
    const [attack, health] = await Promise.all([hub.gql(ALIASED_ALERTS, {}, { as: 'city.admin' }), fetch(`${hub.url}/healthz`)]);
    // A request refused before execution answers a plain application/json client 200 (GraphQL over HTTP), with its code.
    expect(attack.status).toBe(200);
    // The parser stops at MAX_QUERY_TOKENS (15,000): the text is never even validated.
    expect(attack.body.errors).toEqual([{ message: 'The document has more than 15000 tokens; at most 15000 are read (MAX_QUERY_TOKENS)', extensions: { code: 'QUERY_TOO_COMPLEX' } }]);
    expect(attack.body.data).toBeUndefined();
    expect(statements).toBe(before);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('refuses more than 30 aliases', async () => {
    const query = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: alerts(first: 1) { edges { node { id } } }`).join(' ')} }`;
    const before = statements;
    const refused = await hub.gql(query, {}, { as: 'city.admin' });
    expect(refused.status).toBe(200);
    expect(refused.body.errors).toEqual([{ message: 'The operation has 31 aliases; at most 30 are allowed', extensions: { code: 'QUERY_TOO_COMPLEX', aliases: 31, maxAliases: 30 } }]);
    expect(statements).toBe(before);
  });

  it('refuses 1,000 aliases of the public residentRequestStatus from an anonymous caller', async () => {
    const before = statements;
    const attack = await hub.gql(ALIASED_STATUS);
    expect(attack.status).toBe(200);
    expect(codeOf(attack.body)).toBe('QUERY_TOO_COMPLEX');
    expect(statements).toBe(before);
  });

  it('refuses an operation whose cost exceeds MAX_QUERY_COST, naming its cost', async () => {
    // 20 × (1 + 100 × (edges 1 + node 1 + unit 1 + parent 1 + parent 1)) = 20 × 501 = 10,020
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: alerts(first: 100) { edges { node { id unit { parent { parent { name } } } } } }`).join(' ')} }`;
    const before = statements;
    const refused = await hub.gql(query, {}, { as: 'city.admin' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', cost: 10_020, maximumCost: 10_000 });
    expect(statements).toBe(before);
  });

  it('counts first from variables and reports the cost in extensions', async () => {
    const response = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token('city.admin')}` },
      body: JSON.stringify({ query: 'query($n: Int) { alerts(first: $n) { edges { node { id unit { name } } } } }', variables: { n: 7 } }),
    });
    const body = (await response.json()) as { data: unknown; extensions: { cost: Record<string, number> } };
    expect(response.status).toBe(200);
    // 1 + 7 × (edges 1 + node 1 + unit 1)
    expect(body.extensions.cost).toMatchObject({ requested: 22, maximum: 10_000 });
  });
});

describe('budgets, the parser and WebSocket caps', () => {
  let tight: TestHub;
  beforeAll(async () => {
    tight = await createTestHub({
      env: {
        MAX_QUERY_COST: '1000',
        COST_BUDGET_PER_MINUTE: '1000',
        MAX_ROOT_FIELDS: '30',
        MAX_ALIASES: '40',
        MAX_QUERY_TOKENS: '2000',
        TRUST_PROXY: 'true',
        WS_MAX_CONNECTIONS_PER_PRINCIPAL: '2',
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      },
    });
  });
  afterAll(() => tight?.close());

  // 1 + 100 × (edges 1 + node 1 + unit 1 + parent 1) = 401
  const COSTLY = '{ alerts(first: 100) { edges { node { id unit { parent { name } } } } } }';

  it('spends a principal budget per minute, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const first = await tight.gql(COSTLY, {}, { as: 'wenfeng.officer' });
    expect(first.status).toBe(200);
    expect(await tight.gql(COSTLY, {}, { as: 'wenfeng.officer' })).toMatchObject({ status: 200 });
    const response = await fetch(`${tight.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tight.token('wenfeng.officer')}` },
      body: JSON.stringify({ query: COSTLY }),
    });
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(response.status).toBe(429);
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 1000, windowSeconds: 60, cost: 401 });
    const retry = body.errors[0]!.extensions['retryAfterSeconds'] as number;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('retry-after')).toBe(String(retry));
    // Another principal has its own budget.
    expect(await tight.gql(COSTLY, {}, { as: 'xuetian.officer' })).toMatchObject({ status: 200 });
  });

  it('budgets anonymous callers per client address', async () => {
    const STATUS = `{ ${Array.from({ length: 30 }, (_, i) => `s${i}: residentRequestStatus(trackingCode: "ABCD-EFGH-000${i}") { status unit { name } }`).join(' ')} }`;
    const from = (ip: string) => tight.gql(STATUS, {}, { headers: { 'x-forwarded-for': ip } });
    let refused: Awaited<ReturnType<typeof from>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const answer = await from('198.51.100.7');
      if (answer.status === 429) refused = answer;
    }
    expect(codeOf(refused!.body)).toBe('RATE_LIMITED');
    const other = await from('198.51.100.8');
    expect(other.status).toBe(200);
    expect(codeOf(other.body)).toBe('NOT_FOUND');
  });

  it('limits root fields and the tokens the parser reads', async () => {
    const roots = await tight.gql(`{ me { name } ${Array.from({ length: 30 }, (_, i) => `m${i}: me { name }`).join(' ')} }`, {}, { as: 'city.admin' });
    expect(roots.status).toBe(200);
    expect(roots.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', rootFields: 31, maxRootFields: 30 });
    const long = await tight.gql(`{ me { ${'name '.repeat(2100)} } }`, {}, { as: 'city.admin' });
    expect(long.status).toBe(200);
    expect(codeOf(long.body)).toBe('QUERY_TOO_COMPLEX');
    expect(long.body.errors?.[0]?.message).toBe('The document has more than 2000 tokens; at most 2000 are read (MAX_QUERY_TOKENS)');
  });

  it('refuses a costly subscription with a coded error, caps operations per connection and connections per principal', async () => {
    const auth = `Bearer ${await tight.token('city.admin')}`;
    const client = wsClient(tight.wsUrl, auth);
    const errorOf = (query: string) =>
      new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: () => {}, error: resolve, complete: () => resolve(undefined) });
      });
    const long = `subscription { alertRaised { ${'id '.repeat(2100)} } }`;
    expect(await errorOf(long)).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) })]);
    const aliased = `subscription { alertRaised { ${Array.from({ length: 41 }, (_, i) => `u${i}: id`).join(' ')} } }`;
    expect(await errorOf(aliased)).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX', aliases: 41, maxAliases: 40 } })]);
    // 3 × 401 = 1,203 > 1,000, over the WebSocket as a query
    const costly = `{ a: ${COSTLY.slice(2, -2)} b: ${COSTLY.slice(2, -2)} c: ${COSTLY.slice(2, -2)} }`;
    expect(await errorOf(costly)).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_COSTLY', cost: 1203, maximumCost: 1000 } })]);
    const held: (() => void)[] = [];
    for (let i = 0; i < 2; i++) held.push(client.subscribe({ query: 'subscription { alertRaised { id } }' }, { next: () => {}, error: () => {}, complete: () => {} }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = (await errorOf('subscription { alertRaised { id } }')) as { extensions: Record<string, unknown> }[];
    expect(third[0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 2 });

    const closed: { code: number; reason: string }[] = [];
    const second = wsClient(tight.wsUrl, auth);
    const third2 = wsClient(tight.wsUrl, auth, (event) => closed.push(event));
    held.push(second.subscribe({ query: 'subscription { alertRaised { id } }' }, { next: () => {}, error: () => {}, complete: () => {} }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await new Promise<void>((resolve) => third2.subscribe({ query: '{ me { name } }' }, { next: () => {}, error: () => resolve(), complete: () => resolve() }));
    for (let i = 0; i < 50 && closed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed.map(({ code, reason }) => ({ code, reason }))).toEqual([{ code: 4430, reason: 'Too many connections: city.admin already holds 2 (at most 2)' }]);
    held.forEach((stop) => stop());
    await Promise.all([client.dispose(), second.dispose(), third2.dispose()]);
  });

  it('closes a WebSocket whose message exceeds 1 MB with 1009 before parsing it', async () => {
    const socket = new WebSocket(tight.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { junk: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });
});
