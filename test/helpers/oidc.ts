// A real OpenID provider inside the tests: panva's oidc-provider (OpenID Certified), with its
// own development login page ("Enter any login", any password). Tokens come out of it through
// the authorization-code flow with PKCE, as a browser would get them; nothing is minted by hand.
//
// The provider sits behind a small HTTP server of ours so that a test can
// - replace it by one with new keys at the same issuer (key rotation),
// - stop answering and answer again on the same port (the provider is down, then back),
// - count how often the hub fetched the key set.
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** The private JWK (kid, alg, use included). */
  readonly jwk: JWK;
}

export async function makeSigningKey(alg: SigningAlg, kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, jwk };
}

/** The public client GraphiQL (and the board) sign in as. */
export const TEST_CLIENT_ID = 'gridhub-web';
/** The resource indicator the provider mints JWT access tokens for. */
export const TEST_RESOURCE = 'https://hub.gridhub.test';

export interface ProviderOptions {
  /** Signing keys; the first one signs (ID tokens and access tokens). */
  readonly keys: readonly SigningKey[];
  /** Redirect URIs of the public client (the hub's /graphiql, the test's callback). */
  readonly redirectUris: readonly string[];
  /** Access tokens' lifetime in seconds (default 600). */
  readonly accessTokenTtl?: number;
  /** login → preferred_username (default: the login itself). A login mapped to null gets no preferred_username. */
  readonly usernames?: Readonly<Record<string, string | null>>;
  /** Give the public client refresh tokens (rotated at each use) without offline_access (default false). */
  readonly refreshTokens?: boolean;
}

export interface Tokens {
  readonly accessToken: string;
  readonly idToken: string | undefined;
  readonly refreshToken: string | undefined;
  readonly expiresIn: number;
}

export interface SignInOptions {
  /** Ask for a JWT access token for this resource (default TEST_RESOURCE); null: an opaque one for userinfo. */
  readonly resource?: string | null;
  readonly scope?: string;
  readonly redirectUri?: string;
}

export interface TestProvider {
  readonly issuer: string;
  /** How many times the key set (jwks_uri) was fetched from it. */
  readonly jwksFetches: number;
  /** Signs `login` in through the provider's own login and consent pages, over HTTP. */
  signIn(login: string, options?: SignInOptions): Promise<Tokens>;
  /** A provider with these keys (and the same clients and accounts) takes over the issuer. */
  rotate(keys: readonly SigningKey[]): void;
  /** A provider whose client also accepts these redirect URIs takes over (e.g. a hub's /graphiql, known once it listens). */
  allowRedirects(uris: readonly string[]): void;
  /** A provider with these token settings takes over (same keys, clients and accounts; sessions start afresh). */
  reconfigure(change: Pick<ProviderOptions, 'accessTokenTtl' | 'refreshTokens'>): void;
  /** Stops answering: connections to its port are refused. */
  down(): Promise<void>;
  /** Answers again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

function providerConfig(options: ProviderOptions): Configuration {
  const [signing] = options.keys;
  if (!signing) throw new Error('the test provider needs a signing key');
  const usernames = options.usernames ?? {};
  const usernameOf = (accountId: string): string | undefined => {
    const mapped = usernames[accountId];
    return mapped === null ? undefined : (mapped ?? accountId);
  };
  return {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: signing.alg,
      },
    ],
    jwks: { keys: options.keys.map((k) => k.jwk) as never },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
    // ID tokens carry the profile claims too (the hub may be configured to accept ID tokens).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: '',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.accessTokenTtl ?? 600,
          jwt: { sign: { alg: signing.alg } },
        }),
      },
    },
    // JWT access tokens name the person the way the hub reads it (OIDC_PRINCIPAL_CLAIM).
    extraTokenClaims: (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      const username = accountId ? usernameOf(accountId) : undefined;
      return username ? { preferred_username: username } : undefined;
    },
    findAccount: (_ctx, accountId) => ({
      accountId,
      claims: () => {
        const username = usernameOf(accountId);
        return { sub: accountId, name: `Test ${accountId}`, ...(username ? { preferred_username: username } : {}) };
      },
    }),
    // The public client's pages call the token endpoint from the hub's origin.
    clientBasedCORS: () => true,
    ...(options.refreshTokens ? { issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token') } : {}),
    ttl: { AccessToken: options.accessTokenTtl ?? 600, IdToken: options.accessTokenTtl ?? 600, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 3600 },
  };
}

function makeProvider(issuer: string, options: ProviderOptions): Provider {
  const provider = new Provider(issuer, providerConfig(options));
  // Its errors are the tests' business; keep the output quiet.
  provider.on('server_error', () => undefined);
  return provider;
}

/** Starts a provider on a free port of 127.0.0.1; its issuer is `http://127.0.0.1:<port>`. */
export async function startTestProvider(options: ProviderOptions): Promise<TestProvider> {
  let current: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let jwksFetches = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/jwks')) jwksFetches++;
    current?.(req, res);
  };
  let server: Server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  let settings = options;
  current = makeProvider(issuer, settings).callback();

  const stop = async () => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    issuer,
    get jwksFetches() {
      return jwksFetches;
    },
    signIn: (login, signInOptions = {}) => signInOverHttp(issuer, login, { redirectUri: settings.redirectUris[0] as string, ...signInOptions }),
    rotate(keys) {
      settings = { ...settings, keys };
      current = makeProvider(issuer, settings).callback();
    },
    allowRedirects(uris) {
      settings = { ...settings, redirectUris: [...settings.redirectUris, ...uris] };
      current = makeProvider(issuer, settings).callback();
    },
    reconfigure(change) {
      settings = { ...settings, ...change };
      current = makeProvider(issuer, settings).callback();
    },
    down: stop,
    async up() {
      if (server.listening) return;
      server = createServer(handle);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: stop,
  };
}

/** A cookie jar for one host: enough for the provider's interaction and session cookies. */
class Cookies {
  private readonly jar = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair && at > 0) this.jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }
  header(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The form on one of the provider's pages: where it posts and its hidden fields. */
function formOf(html: string, base: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form?.[1]) throw new Error(`no form on the provider's page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[input[1] as string] = input[2] as string;
  }
  return { action: new URL(form[1].replace(/&amp;/g, '&'), base).href, fields };
}

/**
 * The authorization-code flow with PKCE as a browser runs it: the authorization request, the
 * provider's login page (login = `login`, any password), its consent page, the redirect with
 * the code, and the code exchanged at the token endpoint.
 */
async function signInOverHttp(issuer: string, login: string, options: SignInOptions & { redirectUri: string }): Promise<Tokens> {
  const cookies = new Cookies();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const resource = options.resource === undefined ? TEST_RESOURCE : options.resource;
  const authorize = new URL(`${issuer}/auth`);
  const params: Record<string, string> = {
    client_id: TEST_CLIENT_ID,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(resource ? { resource } : {}),
  };
  for (const [name, value] of Object.entries(params)) authorize.searchParams.set(name, value);

  let request: { url: string; init?: RequestInit } = { url: authorize.href };
  for (let step = 0; step < 12; step++) {
    const response = await fetch(request.url, { ...request.init, redirect: 'manual', headers: { ...(request.init?.headers as Record<string, string>), cookie: cookies.header() } });
    cookies.take(response);
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, request.url);
      if (next.href.startsWith(options.redirectUri)) return exchange(issuer, next, state, verifier, options.redirectUri, resource);
      request = { url: next.href };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${html.slice(0, 300)}`);
    const form = formOf(html, request.url);
    const fields = form.fields['prompt'] === 'login' || html.includes('name="login"') ? { prompt: 'login', login, password: 'any', ...form.fields } : form.fields;
    request = { url: form.action, init: { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } } };
  }
  throw new Error('the sign-in did not come back to the redirect URI');
}

async function exchange(issuer: string, callback: URL, state: string, verifier: string, redirectUri: string, resource: string | null): Promise<Tokens> {
  if (callback.searchParams.get('state') !== state) throw new Error(`state mismatch in ${callback.href}`);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: TEST_CLIENT_ID,
      code_verifier: verifier,
      ...(resource ? { resource } : {}),
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
  return {
    accessToken: body['access_token'] as string,
    idToken: body['id_token'] as string | undefined,
    refreshToken: body['refresh_token'] as string | undefined,
    expiresIn: body['expires_in'] as number,
  };
}
