// Signing in from a page of the hub (GraphiQL, the board): framework-free, DOM-free, so any page
// can use it and draw it as it likes (./bar.ts is one way).
//
//   const session = await SignInSession.start();          // also completes a sign-in the provider redirected back with
//   session.authorization();                              // 'Bearer …' while signed in, else undefined
//   session.subscribe((state) => …);                      // signed in, out, renewal needed, errors
//   await session.signIn();                               // to the identity provider (authorization code + PKCE)
//   await session.demoSignIn('xuetian.officer');          // the demo only
//   session.signOut();
//
// The identity provider's sign-in is the authorization-code flow with PKCE for a public client
// (OIDC_CLIENT_ID): the page sends the person to the provider, which sends them back to the same
// page (the redirect URI, e.g. https://hub/graphiql) with a code; the page exchanges the code at
// the provider's token endpoint. Tokens live in this object only (memory): a reload signs in
// again (the provider's own session makes that a redirect without typing). Only the PKCE
// verifier and the state survive the round trip, in sessionStorage, and are removed on return.
//
// Renewal: before a token ends (a minute before, or after 80 % of a short life) a demo token is
// asked for again, an identity-provider token is renewed with its refresh token when the
// provider gave one (OIDC_SCOPE with offline_access); otherwise `renewalNeeded` turns true so
// that the page asks the person to sign in again, and at expiry the session signs out.
import type { DemoPrincipalView, SignInMethods } from '../sign-in.js';
import { browser, type BrowserGlobals } from './browser.js';
import { challengeOf, randomToken } from './pkce.js';

export type DemoPrincipal = DemoPrincipalView;
export type { SignInMethods };

export interface SignedIn {
  readonly via: 'oidc' | 'demo';
  /** The principal the token names. */
  readonly principal: string;
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** The token ends soon and could not be renewed: ask the person to sign in again. */
  readonly renewalNeeded: boolean;
}

export interface SignInState {
  /** What the hub offers; null when it offers no sign-in or could not be asked. */
  readonly methods: SignInMethods | null;
  readonly signedIn: SignedIn | null;
  /** The last thing that went wrong, in words for the person; null when all is well. */
  readonly error: string | null;
  readonly busy: boolean;
}

export interface SignInOptions {
  /** Where the hub's sign-in routes are (default `/auth`). */
  readonly signInPath?: string;
  /** The page the provider sends people back to (default: this page's path); it must be a registered redirect URI. */
  readonly redirectPath?: string;
  readonly fetch?: typeof fetch;
  readonly window?: BrowserGlobals;
}

type Listener = (state: SignInState) => void;

interface Pending {
  readonly state: string;
  readonly verifier: string;
  readonly redirectUri: string;
}

interface TokenResponse {
  readonly access_token?: string;
  readonly id_token?: string;
  readonly refresh_token?: string;
  readonly error?: string;
  readonly error_description?: string;
}

type OidcMethod = NonNullable<SignInMethods['oidc']>;

const PENDING_KEY = 'gridhub.sign-in.pending';
/** Renew this long before expiry at most… */
const RENEW_MARGIN_MS = 60_000;
/** …and after at most this share of a short token's life. */
const RENEW_AT_SHARE = 0.8;

/** A JWT's claims, unverified: only to choose among tokens and show whom they name (the hub verifies). */
function claimsOf(token: string | undefined): Record<string, unknown> | undefined {
  const part = token?.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function audienceIncludes(claims: Record<string, unknown> | undefined, audience: string): boolean {
  const aud = claims?.['aud'];
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

export class SignInSession {
  private current: SignInState = { methods: null, signedIn: null, error: null, busy: false };
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshToken: string | undefined;
  private readonly win: BrowserGlobals;
  private readonly doFetch: typeof fetch;
  private readonly signInPath: string;
  private readonly redirectUri: string;

  private constructor(options: SignInOptions) {
    this.win = options.window ?? browser;
    this.doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.signInPath = options.signInPath ?? '/auth';
    this.redirectUri = new URL(options.redirectPath ?? this.win.location.pathname, this.win.location.origin).href;
  }

  /** Asks the hub what it offers, and completes a sign-in the provider has just redirected back with. */
  static async start(options: SignInOptions = {}): Promise<SignInSession> {
    const session = new SignInSession(options);
    await session.load();
    return session;
  }

  get state(): SignInState {
    return this.current;
  }

  /** `Bearer <token>` while signed in with a token that has not expired; undefined otherwise. */
  authorization(): string | undefined {
    const signed = this.current.signedIn;
    return signed && signed.expiresAt > Date.now() ? `Bearer ${signed.token}` : undefined;
  }

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** Sends the person to the identity provider; they come back to this page, signed in. */
  async signIn(): Promise<void> {
    const oidc = this.current.methods?.oidc;
    if (!oidc?.authorizationEndpoint) {
      this.update({ error: oidc?.unavailable ?? 'This hub has no identity provider configured' });
      return;
    }
    const pending: Pending = { state: randomToken(this.win.crypto), verifier: randomToken(this.win.crypto), redirectUri: this.redirectUri };
    const url = new URL(oidc.authorizationEndpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: pending.redirectUri,
      scope: oidc.scope,
      state: pending.state,
      code_challenge: await challengeOf(pending.verifier, this.win.crypto),
      code_challenge_method: 'S256',
      ...(oidc.resource ? { resource: oidc.resource } : {}),
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    this.win.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    this.win.location.assign(url.href);
  }

  /** The demo principals (the demo only). */
  async demoPrincipals(): Promise<DemoPrincipal[]> {
    if (!this.current.methods?.demo) return [];
    const response = await this.doFetch(`${this.signInPath}/demo/principals`, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the demo principals could not be listed (HTTP ${response.status})`);
    return ((await response.json()) as { principals: DemoPrincipal[] }).principals;
  }

  /** Signs in as a demo principal with a short-lived token from the hub (the demo only). */
  async demoSignIn(principal: string): Promise<void> {
    this.update({ busy: true, error: null });
    try {
      this.accept(await this.demoToken(principal), undefined);
    } catch (error) {
      this.update({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Forgets the token (the provider's own session, if any, stays). */
  signOut(): void {
    clearTimeout(this.timer);
    this.refreshToken = undefined;
    this.update({ signedIn: null, error: null, busy: false });
  }

  private update(change: Partial<SignInState>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener(this.current);
  }

  private async load(): Promise<void> {
    try {
      const response = await this.doFetch(`${this.signInPath}/sign-in`, { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.update({ methods: (await response.json()) as SignInMethods });
    } catch (error) {
      this.update({ error: `The hub's sign-in methods could not be read: ${error instanceof Error ? error.message : String(error)}` });
    }
    await this.completeRedirect();
  }

  /** Back from the provider: `?code=…&state=…` (or `?error=…`) on this page. */
  private async completeRedirect(): Promise<void> {
    const here = new URL(this.win.location.href);
    const answer = new URLSearchParams(here.searchParams);
    const state = answer.get('state');
    if (state === null || (!answer.has('code') && !answer.has('error'))) return;
    // The code is single-use and the page's address should not keep it: clean the address first.
    for (const name of ['code', 'state', 'error', 'error_description', 'iss', 'session_state']) here.searchParams.delete(name);
    this.win.history.replaceState(null, '', here.href);
    const pending = this.takePending();
    const oidc = this.current.methods?.oidc;
    if (!pending || pending.state !== state || !oidc) {
      this.update({ error: 'The sign-in could not be completed (it was started in another tab, or long ago): sign in again' });
      return;
    }
    const code = answer.get('code');
    if (!code) {
      this.update({ error: `The identity provider did not sign you in: ${answer.get('error_description') ?? answer.get('error')}` });
      return;
    }
    // RFC 9207: a provider that names itself must be ours (a mix-up between providers otherwise).
    if (answer.has('iss') && answer.get('iss') !== oidc.issuer) {
      this.update({ error: `The answer came from ${answer.get('iss')}, not from ${oidc.issuer}: sign in again` });
      return;
    }
    this.update({ busy: true });
    try {
      const tokens = await this.tokenRequest(oidc, { grant_type: 'authorization_code', code, redirect_uri: pending.redirectUri, code_verifier: pending.verifier });
      this.accept(this.oidcSignedIn(oidc, tokens), tokens.refresh_token);
    } catch (error) {
      this.update({ busy: false, error: `The sign-in could not be completed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private takePending(): Pending | undefined {
    const raw = this.win.sessionStorage.getItem(PENDING_KEY);
    this.win.sessionStorage.removeItem(PENDING_KEY);
    try {
      return raw ? (JSON.parse(raw) as Pending) : undefined;
    } catch {
      return undefined;
    }
  }

  private async demoToken(principal: string): Promise<SignedIn> {
    const response = await this.doFetch(`${this.signInPath}/demo/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ principal }),
    });
    const body = (await response.json()) as { token?: string; expiresAt?: number; error?: { message: string } };
    if (!response.ok || !body.token || !body.expiresAt) throw new Error(body.error?.message ?? `The demo sign-in failed (HTTP ${response.status})`);
    return { via: 'demo', principal, token: body.token, expiresAt: body.expiresAt * 1000, renewalNeeded: false };
  }

  /** Takes a fresh token and plans its renewal. */
  private accept(signed: SignedIn, refreshToken: string | undefined): void {
    this.refreshToken = refreshToken;
    this.update({ signedIn: signed, busy: false, error: null });
    const now = Date.now();
    const renewAt = Math.max(now, Math.max(signed.expiresAt - RENEW_MARGIN_MS, now + (signed.expiresAt - now) * RENEW_AT_SHARE));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(signed), renewAt - now);
  }

  private async renew(signed: SignedIn): Promise<void> {
    let renewed: { signed: SignedIn; refreshToken: string | undefined } | undefined;
    try {
      renewed = await this.renewal(signed);
    } catch {
      renewed = undefined;
    }
    // Signed out, or signed in anew, while the renewal was under way: leave it.
    if (this.current.signedIn !== signed) return;
    if (renewed) return this.accept(renewed.signed, renewed.refreshToken);
    this.update({ signedIn: { ...signed, renewalNeeded: true } });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(signed), Math.max(0, signed.expiresAt - Date.now()));
  }

  /** A new token for the one that ends soon, when that can be had without the person: undefined otherwise. */
  private async renewal(signed: SignedIn): Promise<{ signed: SignedIn; refreshToken: string | undefined } | undefined> {
    if (signed.via === 'demo') return { signed: await this.demoToken(signed.principal), refreshToken: undefined };
    const oidc = this.current.methods?.oidc;
    if (!oidc || !this.refreshToken) return undefined;
    const tokens = await this.tokenRequest(oidc, { grant_type: 'refresh_token', refresh_token: this.refreshToken });
    // A provider that rotates refresh tokens sends a new one; one that does not keeps the old one valid.
    return { signed: this.oidcSignedIn(oidc, tokens), refreshToken: tokens.refresh_token ?? this.refreshToken };
  }

  private expire(signed: SignedIn): void {
    if (this.current.signedIn?.token !== signed.token) return;
    this.refreshToken = undefined;
    this.update({ signedIn: null, error: 'Your sign-in has expired: sign in again' });
  }

  private async tokenRequest(oidc: OidcMethod, grant: Record<string, string>): Promise<TokenResponse> {
    if (!oidc.tokenEndpoint) throw new Error(oidc.unavailable ?? 'the identity provider has no token endpoint');
    const response = await this.doFetch(oidc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...grant, client_id: oidc.clientId, ...(oidc.resource ? { resource: oidc.resource } : {}) }).toString(),
    });
    const body = (await response.json()) as TokenResponse;
    if (!response.ok || body.error) throw new Error(`the identity provider refused: ${body.error_description ?? body.error ?? `HTTP ${response.status}`}`);
    return body;
  }

  /** The token meant for the hub (its aud names OIDC_AUDIENCE): the access token, else the ID token. */
  private oidcSignedIn(oidc: OidcMethod, tokens: TokenResponse): SignedIn {
    const candidates = [tokens.access_token, tokens.id_token];
    const token = candidates.find((t) => audienceIncludes(claimsOf(t), oidc.audience));
    const claims = claimsOf(token);
    if (!token || !claims) {
      throw new Error(`neither the access token nor the ID token the provider gave is meant for this hub (aud must contain "${oidc.audience}")`);
    }
    const principal = claims[oidc.principalClaim];
    const exp = claims['exp'];
    if (typeof principal !== 'string' || typeof exp !== 'number') throw new Error(`the provider's token has no ${oidc.principalClaim} or exp claim`);
    return { via: 'oidc', principal, token, expiresAt: exp * 1000, renewalNeeded: false };
  }
}
