// Sign-in through an OpenID provider: tokens from a real oidc-provider (its login and consent
// pages driven over HTTP, the authorization-code flow with PKCE), presented to the hub over HTTP
// and over WebSocket. Every refusal names its reason (extensions.reason over HTTP, the close
// reason over WebSocket); key rotation and an unreachable provider are played out for real.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, decodeJwt, importJWK } from 'jose';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { setPrincipalDisabled } from '../../src/modules/principals/index.js';
import { signToken } from '../../src/platform/auth/jwt.js';
import { createTestHub, TestClock, type TestHub } from '../helpers/hub.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { makeSigningKey, startTestProvider, TEST_CLIENT_ID, TEST_RESOURCE, type SigningKey, type TestProvider } from '../helpers/oidc.js';

const ME = '{ me { name kind expiresAt } }';
const CALLBACK = 'http://127.0.0.1:9/callback';

/** What a person's sign-in at the provider names: login → preferred_username (the hub's principal). */
const USERNAMES = {
  'zhang.wei': 'xuetian.officer',
  'li.na': 'city.admin',
  'wang.fang': 'hujing.grid',
  'zhao.lei': 'shuguang.officer',
  'chen.jie': 'wenfeng.officer',
  'sun.li': 'chongchuan.officer',
  'nobody.here': 'no.such.principal',
  'no.username': null,
} as const;

interface Refusal {
  status: number;
  code: unknown;
  reason: unknown;
  message: string;
}

async function ask(hub: TestHub, authorization: string): Promise<{ status: number; name?: string; refusal?: Refusal }> {
  const { status, body } = await hub.gql<{ me: { name: string } }>(ME, {}, { authorization });
  const error = body.errors?.[0];
  if (error) return { status, refusal: { status, code: error.extensions?.['code'], reason: error.extensions?.['reason'], message: error.message } };
  return { status, name: body.data?.me.name };
}

/** Over WebSocket: the answer to `me`, or how the hub closed the socket. */
async function askLive(hub: TestHub, authorization: string): Promise<{ name?: string; closed?: { code: number; reason: string } }> {
  let closed: { code: number; reason: string } | undefined;
  const client = createClient({
    url: hub.wsUrl,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { authorization },
    on: { closed: (event) => void (closed = { code: (event as { code: number }).code, reason: (event as { reason: string }).reason }) },
  });
  try {
    for await (const result of client.iterate<{ me: { name: string } }>({ query: ME })) {
      return { name: result.data?.me.name };
    }
    return {};
  } catch {
    return { closed };
  } finally {
    await client.dispose();
  }
}

async function refusal(hub: TestHub, authorization: string): Promise<{ http: Refusal | undefined; ws: { code: number; reason: string } | undefined }> {
  const [http, ws] = await Promise.all([ask(hub, authorization), askLive(hub, authorization)]);
  return { http: http.refusal, ws: ws.closed };
}

const bearer = (token: string) => `Bearer ${token}`;

function hubEnv(provider: TestProvider, extra: Record<string, string> = {}): Record<string, string> {
  return { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: TEST_RESOURCE, OIDC_CLIENT_ID: TEST_CLIENT_ID, ...extra };
}

describe('OIDC tokens', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let ed: SigningKey;
  let provider: TestProvider;
  let other: TestProvider;
  let clock: TestClock;
  let hub: TestHub;

  beforeAll(async () => {
    [rsa, ec, ed] = await Promise.all([makeSigningKey('RS256'), makeSigningKey('ES256'), makeSigningKey('EdDSA')]);
    provider = await startTestProvider({ keys: [rsa, ec, ed], redirectUris: [CALLBACK], usernames: USERNAMES });
    other = await startTestProvider({ keys: [await makeSigningKey('RS256')], redirectUris: [CALLBACK], usernames: USERNAMES });
    clock = new TestClock();
    hub = await createTestHub({ clock, env: hubEnv(provider) });
  });

  afterAll(async () => {
    await hub?.close();
    await provider?.close();
    await other?.close();
  });

  afterEach(() => {
    provider.rotate([rsa, ec, ed]);
  });

  it('accepts access tokens signed with RS256, ES256 and EdDSA, naming the principal by preferred_username, over HTTP and WebSocket', async () => {
    const seen: Record<string, unknown> = {};
    for (const [signing, login] of [[rsa, 'zhang.wei'], [ec, 'li.na'], [ed, 'wang.fang']] as const) {
      provider.rotate([signing, ...[rsa, ec, ed].filter((k) => k !== signing)]);
      const tokens = await provider.signIn(login);
      const claims = decodeJwt(tokens.accessToken);
      expect({ sub: claims.sub, aud: claims.aud }).toEqual({ sub: login, aud: TEST_RESOURCE });
      const http = await hub.gql<{ me: { name: string; kind: string; expiresAt: number } }>(ME, {}, { authorization: bearer(tokens.accessToken) });
      const live = await askLive(hub, bearer(tokens.accessToken));
      seen[signing.alg] = { http: http.body.data?.me, live: live.name };
      // The credential stops working 60 s (the clock skew) after the token's exp.
      expect(http.body.data?.me.expiresAt).toBe((claims.exp as number) + 60);
    }
    expect(seen).toEqual({
      RS256: { http: { name: 'xuetian.officer', kind: 'PERSON', expiresAt: expect.any(Number) }, live: 'xuetian.officer' },
      ES256: { http: { name: 'city.admin', kind: 'PERSON', expiresAt: expect.any(Number) }, live: 'city.admin' },
      EdDSA: { http: { name: 'hujing.grid', kind: 'PERSON', expiresAt: expect.any(Number) }, live: 'hujing.grid' },
    });
  });

  it('keeps accepting local tokens (gridhub token) beside the provider', async () => {
    expect(await ask(hub, bearer(await hub.token('city.auditor')))).toEqual({ status: 200, name: 'city.auditor' });
  });

  it('refuses an expired token with TOKEN_EXPIRED, after 60 s of clock skew', async () => {
    const tokens = await provider.signIn('zhao.lei');
    const exp = decodeJwt(tokens.accessToken).exp as number;
    const start = clock.now();
    try {
      clock.set(new Date((exp + 50) * 1000));
      expect(await ask(hub, bearer(tokens.accessToken))).toEqual({ status: 200, name: 'shuguang.officer' });
      clock.set(new Date((exp + 61) * 1000));
      const { http, ws } = await refusal(hub, bearer(tokens.accessToken));
      expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED', message: 'Token expired: sign in again' });
      expect(ws).toEqual({ code: 4401, reason: 'Unauthorized: Token expired: sign in again' });
    } finally {
      clock.set(start);
    }
  });

  it('refuses a token meant for another audience with WRONG_AUDIENCE: another resource, or the ID token', async () => {
    const elsewhere = await provider.signIn('chen.jie', { resource: 'https://another-api.test' });
    const { http, ws } = await refusal(hub, bearer(elsewhere.accessToken));
    const message = `Token audience "https://another-api.test" does not include this hub's "${TEST_RESOURCE}" (OIDC_AUDIENCE)`;
    expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'WRONG_AUDIENCE', message });
    expect(ws?.code).toBe(4401);
    // A close reason holds at most 123 bytes: the message, cut.
    expect(`Unauthorized: ${message}`.startsWith(String(ws?.reason)) && String(ws?.reason).length > 40).toBe(true);
    // The ID token's audience is the client, not the hub.
    const idToken = (await provider.signIn('chen.jie')).idToken as string;
    expect((await ask(hub, bearer(idToken))).refusal?.reason).toBe('WRONG_AUDIENCE');
  });

  it('refuses a token of another issuer with WRONG_ISSUER, without asking any provider for keys', async () => {
    const before = [provider.jwksFetches, other.jwksFetches];
    const tokens = await other.signIn('zhang.wei');
    const { http, ws } = await refusal(hub, bearer(tokens.accessToken));
    const message = `Token issuer "${other.issuer}" is not trusted here; expected ${provider.issuer} or "gridhub" (local tokens)`;
    expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'WRONG_ISSUER', message });
    expect(ws).toEqual({ code: 4401, reason: `Unauthorized: ${message}`.slice(0, 123) });
    expect([provider.jwksFetches, other.jwksFetches]).toEqual(before);
  });

  it('refuses a token signed with a key the provider does not publish with UNKNOWN_KEY', async () => {
    // The provider signed with a key it has withdrawn since (or never published).
    const withdrawn = await makeSigningKey('ES256');
    provider.rotate([withdrawn, rsa, ec, ed]);
    const tokens = await provider.signIn('zhang.wei');
    provider.rotate([rsa, ec, ed]);
    clock.advance(31_000);
    const { http, ws } = await refusal(hub, bearer(tokens.accessToken));
    const message = `Token is signed with a key ${provider.issuer} does not publish`;
    expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'UNKNOWN_KEY', message });
    expect(ws).toEqual({ code: 4401, reason: `Unauthorized: ${message}` });
  });

  it('refuses alg none, HS256 under the provider’s name, and an altered token', async () => {
    const valid = (await provider.signIn('zhang.wei')).accessToken;
    const claims = decodeJwt(valid);
    const unsigned = new UnsecuredJWT({ ...claims, preferred_username: 'city.admin' }).encode();
    // HS256 keyed with something public (the client id): the classic confusion attack.
    const hs256 = await new SignJWT({ ...claims, preferred_username: 'city.admin' }).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new TextEncoder().encode(TEST_CLIENT_ID.repeat(4)));
    const [header, , signature] = valid.split('.');
    const altered = [header, Buffer.from(JSON.stringify({ ...claims, preferred_username: 'city.admin' })).toString('base64url'), signature].join('.');
    const answers = await Promise.all([unsigned, hs256, altered].map(async (token) => (await refusal(hub, bearer(token))).http?.reason));
    expect(answers).toEqual(['ALGORITHM_REFUSED', 'ALGORITHM_REFUSED', 'BAD_SIGNATURE']);
    expect((await refusal(hub, bearer(hs256))).ws).toEqual({ code: 4401, reason: `Unauthorized: HS256 is not accepted for tokens of ${provider.issuer}: the provider must sign with RS256, ES256 or EdDSA`.slice(0, 123) });
  });

  it('refuses a token whose principal is unknown, or lacks the principal claim', async () => {
    const unknown = await provider.signIn('nobody.here');
    const { http, ws } = await refusal(hub, bearer(unknown.accessToken));
    const message = 'Unknown principal "no.such.principal": no principal of this hub has that name';
    expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'UNKNOWN_PRINCIPAL', message });
    expect(ws).toEqual({ code: 4401, reason: `Unauthorized: ${message}` });
    const nameless = await provider.signIn('no.username');
    expect((await refusal(hub, bearer(nameless.accessToken))).http).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      reason: 'PRINCIPAL_CLAIM_MISSING',
      message: 'Token has no preferred_username claim naming a principal (OIDC_PRINCIPAL_CLAIM)',
    });
  });

  it('refuses a disabled principal whatever the credential, and closes its open WebSocket with 4401', async () => {
    const oidc = bearer((await provider.signIn('sun.li')).accessToken);
    const local = bearer(await hub.token('chongchuan.officer'));
    expect(await ask(hub, oidc)).toEqual({ status: 200, name: 'chongchuan.officer' });
    let closed: { code: number; reason: string } | undefined;
    const client = createClient({ url: hub.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: oidc }, on: { closed: (e) => void (closed = { code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) } });
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    client.subscribe({ query: 'subscription { alertRaised { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    await connected;
    try {
      await setPrincipalDisabled(hub.database.db, hub.handle.hub.bus, 'chongchuan.officer', new Date());
      for (const authorization of [oidc, local]) {
        expect((await refusal(hub, authorization)).http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'DISABLED_PRINCIPAL', message: 'Principal "chongchuan.officer" is disabled' });
      }
      await expect.poll(() => closed, { timeout: 5000 }).toEqual({ code: 4401, reason: 'Unauthorized: Principal "chongchuan.officer" is disabled' });
    } finally {
      await setPrincipalDisabled(hub.database.db, hub.handle.hub.bus, 'chongchuan.officer', null);
      await client.dispose();
    }
    expect(await ask(hub, oidc)).toEqual({ status: 200, name: 'chongchuan.officer' });
  });

  it('follows a key rotation: a token with a new kid makes the hub fetch the keys again; old keys go when the provider drops them', async () => {
    const before = (await provider.signIn('zhang.wei')).accessToken;
    expect((await ask(hub, bearer(before))).name).toBe('xuetian.officer');
    const fresh = await makeSigningKey('ES256');
    provider.rotate([fresh]);
    const after = (await provider.signIn('zhang.wei')).accessToken;
    clock.advance(31_000);
    const fetches = provider.jwksFetches;
    expect(await ask(hub, bearer(after))).toEqual({ status: 200, name: 'xuetian.officer' });
    expect(provider.jwksFetches).toBe(fetches + 1);
    // The key set now lacks the old key: its tokens stop working.
    expect((await ask(hub, bearer(before))).refusal?.reason).toBe('UNKNOWN_KEY');
  });

  it('fetches the keys at most once per 30 s however many unknown kids arrive', async () => {
    clock.advance(31_000);
    const fetches = provider.jwksFetches;
    const claims = decodeJwt((await provider.signIn('zhang.wei')).accessToken);
    const forged = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const key = await makeSigningKey('ES256');
        return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(await importJWK(key.jwk, 'ES256'));
      }),
    );
    const reasons = [];
    for (const token of forged) reasons.push((await ask(hub, bearer(token))).refusal?.reason);
    expect(new Set(reasons)).toEqual(new Set(['UNKNOWN_KEY']));
    expect(provider.jwksFetches).toBe(fetches + 1);
    clock.advance(31_000);
    await ask(hub, bearer(forged[0] as string));
    expect(provider.jwksFetches).toBe(fetches + 2);
  });
});

describe('OIDC tokens while the provider is down', () => {
  let key: SigningKey;
  let provider: TestProvider;
  let clock: TestClock;
  let hub: TestHub;

  beforeAll(async () => {
    key = await makeSigningKey('RS256');
    provider = await startTestProvider({ keys: [key], redirectUris: [CALLBACK], usernames: USERNAMES, accessTokenTtl: 3600 });
    clock = new TestClock();
    hub = await createTestHub({ clock, env: hubEnv(provider) });
  });

  afterAll(async () => {
    await hub?.close();
    await provider?.close();
  });

  it('keeps verifying with the keys already fetched, stays ready, and answers 503 (1013 over WebSocket) only for keys it cannot fetch', async () => {
    const token = bearer((await provider.signIn('zhang.wei')).accessToken);
    // Signed with the same key, never shown to the hub before the provider goes down.
    const unseen = bearer((await provider.signIn('li.na')).accessToken);
    expect(await ask(hub, token)).toEqual({ status: 200, name: 'xuetian.officer' });
    const claims = decodeJwt(token.slice(7));
    const strangerKey = await makeSigningKey('RS256');
    const stranger = bearer(await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: strangerKey.kid }).sign(await importJWK(strangerKey.jwk, 'RS256')));

    await provider.down();
    // Past the cooldown and past the key set's age: fetches are tried, fail, and the keys stay.
    clock.advance(11 * 60_000);
    const later = bearer(await signToken(TEST_JWT_SECRET, 'city.admin', 3600));
    expect(await ask(hub, unseen)).toEqual({ status: 200, name: 'city.admin' });
    expect(await ask(hub, token)).toEqual({ status: 200, name: 'xuetian.officer' });
    expect((await askLive(hub, token)).name).toBe('xuetian.officer');
    expect(await ask(hub, later)).toEqual({ status: 200, name: 'city.admin' });
    clock.advance(31_000);
    const unreachable = await refusal(hub, stranger);
    expect(unreachable.http).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(unreachable.http?.message).toMatch(new RegExp(`^Cannot verify the token now: the identity provider ${provider.issuer} cannot be reached \\(fetch failed \\(ECONNREFUSED\\)\\)`));
    expect(unreachable.ws?.code).toBe(1013);

    const ready = await fetch(`${hub.url}/readyz`);
    const readyBody = (await ready.json()) as { status: string; identityProvider: { keys: number; lastError: string | null } };
    expect({ status: ready.status, body: readyBody.status, keys: readyBody.identityProvider.keys, lastError: readyBody.identityProvider.lastError }).toEqual({
      status: 200,
      body: 'ready',
      keys: 1,
      lastError: 'fetch failed (ECONNREFUSED)',
    });

    await provider.up();
    clock.advance(31_000);
    expect((await ask(hub, stranger)).refusal?.reason).toBe('UNKNOWN_KEY');
    expect(await ask(hub, token)).toEqual({ status: 200, name: 'xuetian.officer' });
  });

  it('starts while the provider is down: ready, local tokens work, its tokens wait for it', async () => {
    const token = bearer((await provider.signIn('zhang.wei')).accessToken);
    await provider.down();
    const lateClock = new TestClock();
    const late = await createTestHub({ clock: lateClock, env: hubEnv(provider) });
    try {
      expect((await fetch(`${late.url}/readyz`)).status).toBe(200);
      expect(await ask(late, bearer(await late.token('city.admin')))).toEqual({ status: 200, name: 'city.admin' });
      expect((await ask(late, token)).refusal).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      await provider.up();
      lateClock.advance(31_000);
      expect(await ask(late, token)).toEqual({ status: 200, name: 'xuetian.officer' });
    } finally {
      await late.close();
      await provider.up();
    }
  });
});

describe('OIDC settings', () => {
  let provider: TestProvider;

  beforeAll(async () => {
    provider = await startTestProvider({ keys: [await makeSigningKey('ES256')], redirectUris: [CALLBACK], usernames: USERNAMES });
  });

  afterAll(async () => {
    await provider?.close();
  });

  it('accepts ID tokens when OIDC_AUDIENCE is the client, and reads the principal from OIDC_PRINCIPAL_CLAIM', async () => {
    const hub = await createTestHub({ env: hubEnv(provider, { OIDC_AUDIENCE: TEST_CLIENT_ID, OIDC_PRINCIPAL_CLAIM: 'sub' }) });
    try {
      const tokens = await provider.signIn('city.auditor', { resource: null });
      expect(await ask(hub, bearer(tokens.idToken as string))).toEqual({ status: 200, name: 'city.auditor' });
    } finally {
      await hub.close();
    }
  });

  it('refuses local tokens with LOCAL_TOKENS=off, and keeps accepting the provider’s', async () => {
    const hub = await createTestHub({ env: hubEnv(provider, { LOCAL_TOKENS: 'off' }) });
    try {
      const message = 'Local tokens (gridhub token) are off on this hub (LOCAL_TOKENS=off): sign in with the identity provider';
      const { http, ws } = await refusal(hub, bearer(await hub.token('city.admin')));
      expect(http).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: 'LOCAL_TOKENS_OFF', message });
      expect(ws).toEqual({ code: 4401, reason: `Unauthorized: ${message}`.slice(0, 123) });
      expect(await ask(hub, bearer((await provider.signIn('zhang.wei')).accessToken))).toEqual({ status: 200, name: 'xuetian.officer' });
    } finally {
      await hub.close();
    }
  });
});
