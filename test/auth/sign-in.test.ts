// The hub's sign-in routes over HTTP: what a page learns from GET /auth/sign-in, and the demo
// sign-in, which exists only on the embedded demo and never in production or without local tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { setPrincipalDisabled } from '../../src/modules/principals/index.js';
import { DEMO_PRINCIPALS } from '../../src/seed/demo.js';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { makeSigningKey, startTestProvider, TEST_CLIENT_ID, TEST_RESOURCE, type TestProvider } from '../helpers/oidc.js';

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text() };
}

async function postToken(hub: TestHub, body: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${hub.url}/auth/demo/token`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text() };
}

describe('demo sign-in on the demo', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await createTestHub({ demoData: true });
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('says what the hub offers', async () => {
    expect(await getJson(`${hub.url}/auth/sign-in`)).toEqual({ status: 200, body: { oidc: null, demo: true, localTokens: true } });
  });

  it('lists the demo principals with their units', async () => {
    const { status, body } = await getJson(`${hub.url}/auth/demo/principals`);
    expect(status).toBe(200);
    expect(body.principals.map((p: { name: string }) => p.name)).toEqual(DEMO_PRINCIPALS.map((p) => p.name));
    expect(body.principals[2]).toEqual({ name: 'xuetian.officer', displayName: '学田街道指挥中心值班员', kind: 'PERSON', roles: ['OFFICER'], unit: { code: '320613006', name: '学田街道' } });
  });

  it('hands out a 15-minute local token that works over HTTP', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { status, body } = await postToken(hub, JSON.stringify({ principal: 'xuetian.officer' }));
    expect(status).toBe(200);
    const claims = decodeJwt(body.token);
    expect({ principal: body.principal, sub: claims.sub, iss: claims.iss, lifetime: (claims.exp as number) - (claims.iat as number), expiresAt: body.expiresAt }).toEqual({
      principal: 'xuetian.officer',
      sub: 'xuetian.officer',
      iss: 'gridhub',
      lifetime: 900,
      expiresAt: claims.exp,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    const me = await hub.gql('{ me { name unit { code } } }', {}, { authorization: `Bearer ${body.token}` });
    expect(me.body.data).toEqual({ me: { name: 'xuetian.officer', unit: { code: '320613006' } } });
  });

  it('refuses names that are not demo principals, bodies that are not JSON, and a disabled demo principal', async () => {
    expect(await postToken(hub, JSON.stringify({ principal: 'somebody.else' }))).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: '"somebody.else" is not a demo principal; GET /auth/demo/principals lists them' } },
    });
    const badInput = { status: 400, body: { error: { code: 'BAD_USER_INPUT', message: 'Send {"principal": "<demo principal name>"} as application/json' } } };
    expect(await postToken(hub, JSON.stringify({ name: 'city.admin' }))).toEqual(badInput);
    // A form another site could post without a preflight.
    expect(await postToken(hub, 'principal=city.admin', 'application/x-www-form-urlencoded')).toEqual(badInput);
    expect(await postToken(hub, '{"principal": "city.admin"}', 'text/plain')).toEqual(badInput);

    await setPrincipalDisabled(hub.database.db, hub.handle.hub.bus, 'hujing.grid', new Date());
    try {
      expect(await postToken(hub, JSON.stringify({ principal: 'hujing.grid' }))).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'Principal "hujing.grid" is disabled' } } });
      const listed = (await getJson(`${hub.url}/auth/demo/principals`)).body.principals.map((p: { name: string }) => p.name);
      expect(listed).not.toContain('hujing.grid');
      expect(listed).toHaveLength(DEMO_PRINCIPALS.length - 1);
    } finally {
      await setPrincipalDisabled(hub.database.db, hub.handle.hub.bus, 'hujing.grid', null);
    }
  });
});

describe('where the demo sign-in does not exist', () => {
  const cases: { label: string; options: Parameters<typeof createTestHub>[0] }[] = [
    { label: 'a hub not running the embedded demo', options: {} },
    { label: 'NODE_ENV=production, even on the demo', options: { demoData: true, env: { NODE_ENV: 'production' } } },
    { label: 'LOCAL_TOKENS=off, even on the demo', options: { demoData: true, env: { LOCAL_TOKENS: 'off' } } },
  ];

  it.each(cases)('$label: the routes answer 404 and /auth/sign-in says demo: false', async ({ options }) => {
    const hub = await createTestHub(options);
    try {
      const principals = await getJson(`${hub.url}/auth/demo/principals`);
      const token = await postToken(hub, JSON.stringify({ principal: 'city.admin' }));
      const methods = await getJson(`${hub.url}/auth/sign-in`);
      expect({ principals: principals.status, token: token.status, demo: methods.body.demo, hasToken: JSON.stringify(token.body).includes('eyJ') }).toEqual({
        principals: 404,
        token: 404,
        demo: false,
        hasToken: false,
      });
    } finally {
      await hub.close();
    }
  });
});

describe('sign-in methods with an identity provider', () => {
  let provider: TestProvider;

  beforeAll(async () => {
    provider = await startTestProvider({ keys: [await makeSigningKey('ES256')], redirectUris: ['http://127.0.0.1:9/graphiql'] });
  });

  afterAll(async () => {
    await provider?.close();
  });

  it('gives a page the provider’s endpoints from its discovery, and lets GraphiQL connect to it', async () => {
    const hub = await createTestHub({ env: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: TEST_RESOURCE, OIDC_CLIENT_ID: TEST_CLIENT_ID, OIDC_RESOURCE: TEST_RESOURCE } });
    try {
      expect(await getJson(`${hub.url}/auth/sign-in`)).toEqual({
        status: 200,
        body: {
          oidc: {
            issuer: provider.issuer,
            clientId: TEST_CLIENT_ID,
            scope: 'openid profile',
            audience: TEST_RESOURCE,
            principalClaim: 'preferred_username',
            resource: TEST_RESOURCE,
            authorizationEndpoint: `${provider.issuer}/auth`,
            tokenEndpoint: `${provider.issuer}/token`,
            endSessionEndpoint: `${provider.issuer}/session/end`,
            unavailable: null,
          },
          demo: false,
          localTokens: true,
        },
      });
      const page = await fetch(`${hub.url}/graphiql`);
      expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://${new URL(hub.url).host} wss://${new URL(hub.url).host} ${provider.issuer};`);
      expect(await page.text()).toContain('data-sign-in-path="/auth"');
    } finally {
      await hub.close();
    }
  });

  it('says why the provider’s sign-in is unavailable while it cannot be reached', async () => {
    await provider.down();
    const hub = await createTestHub({ env: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: TEST_RESOURCE, OIDC_CLIENT_ID: TEST_CLIENT_ID } });
    try {
      const { body } = await getJson(`${hub.url}/auth/sign-in`);
      expect(body.oidc).toMatchObject({ authorizationEndpoint: null, tokenEndpoint: null, unavailable: 'the identity provider cannot be reached: fetch failed (ECONNREFUSED)' });
    } finally {
      await hub.close();
      await provider.up();
    }
  });

  it('offers no browser sign-in without OIDC_CLIENT_ID (tokens are still verified)', async () => {
    const hub = await createTestHub({ env: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: TEST_RESOURCE } });
    try {
      expect((await getJson(`${hub.url}/auth/sign-in`)).body.oidc).toBeNull();
    } finally {
      await hub.close();
    }
  });
});
