import { createLocalJWKSet, errors, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters, type LocalJWKSet } from 'jose';
import type { Clock, Logger } from '../context.js';

/**
 * Terminology
 * - issuer: an OpenID provider's identifier (OIDC_ISSUER), an http(s) URL. Its discovery
 *   document is `<issuer>/.well-known/openid-configuration`, and names the `issuer` again.
 * - key set: the JWKS at the discovery document's `jwks_uri`, the public keys the provider
 *   signs tokens with, each named by its `kid`.
 * - fetch: one discovery document and one key set, fetched together. A fetch that fails keeps
 *   the keys of the last one that succeeded: while the provider is down, tokens signed with a
 *   key already fetched keep verifying.
 */
interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Where a browser sends people to sign in (authorization-code flow). */
  readonly authorizationEndpoint: string | undefined;
  /** Where a browser exchanges the code for tokens. */
  readonly tokenEndpoint: string | undefined;
  /** Where a browser sends people to sign out at the provider, if it has one. */
  readonly endSessionEndpoint: string | undefined;
}

interface IssuerKeysOptions {
  readonly issuer: string;
  /** The hub's clock: the cooldown and the key set's age are measured on it. */
  readonly clock: Clock;
  readonly log: Logger;
  readonly fetch?: typeof fetch;
  /**
   * Least time between two fetches (default 30 s). A token with a `kid` the key set lacks
   * causes a fetch (the provider may have rotated its keys), but at most one per cooldown,
   * however many such tokens arrive.
   */
  readonly cooldownMs?: number;
  /** Once the key set is this old (default 10 min), the next verification fetches again in the background. */
  readonly maxAgeMs?: number;
  /** How long one request to the provider may take (default 5 s). */
  readonly timeoutMs?: number;
}

interface IssuerKeysStatus {
  readonly issuer: string;
  /** How many keys the last successful fetch gave; 0 before one succeeded. */
  readonly keys: number;
  readonly fetchedAt: Date | null;
  /** Why the last fetch failed, if it did; null once one succeeds again. */
  readonly lastError: string | null;
}

/** Why a key cannot be had: the provider never answered, or publishes no such key. */
export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError';
}

type KeyResolver = LocalJWKSet;

interface FetchedKeys {
  readonly resolve: KeyResolver;
  readonly count: number;
  readonly fetchedAt: number;
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** The discovery document of an issuer: `<issuer>/.well-known/openid-configuration` (a trailing slash is not doubled). */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${DISCOVERY_PATH}`;
}

function optionalUrl(value: unknown): string | undefined {
  return typeof value === 'string' && URL.canParse(value) ? value : undefined;
}

/** A failed fetch in words: undici's "fetch failed" hides the reason (ECONNREFUSED, a timeout) in its cause. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (error.name === 'TimeoutError') return 'no answer in time';
  if (cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
  return error.message;
}

/**
 * An identity provider's signing keys, per hub process: fetched at start (`warm`), kept in
 * memory, fetched again when a token names an unknown `kid` (at most once per cooldown) and
 * in the background once old; the last good key set stays in use while fetches fail.
 */
export class IssuerKeys {
  private keys: FetchedKeys | undefined;
  private meta: IssuerMetadata | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastError: string | null = null;
  private pending: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly doFetch: typeof fetch;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: IssuerKeysOptions) {
    this.doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /** The discovery document as last fetched; undefined until a fetch succeeded. */
  get metadata(): IssuerMetadata | undefined {
    return this.meta;
  }

  status(): IssuerKeysStatus {
    return {
      issuer: this.options.issuer,
      keys: this.keys?.count ?? 0,
      fetchedAt: this.keys ? new Date(this.keys.fetchedAt) : null,
      lastError: this.lastError,
    };
  }

  /** Called after every fetch that changed the key set (verified tokens must be checked again). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches now unless a fetch is under way; never throws (the failure is in `status()`). */
  warm(): Promise<void> {
    return this.fetchNow();
  }

  /**
   * The key a token's header names: jose's key resolver for `jwtVerify`. Throws jose's
   * JWKSNoMatchingKey when the provider, asked again if the cooldown allows, publishes no such
   * key; KeyUnavailableError when it cannot be asked (no fetch ever succeeded, or the last one
   * failed and the key is not among those already fetched).
   */
  readonly resolve = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    if (!this.keys) await this.fetchIfAllowed();
    const keys = this.keys;
    if (!keys) throw this.unavailable('none of its keys are known yet');
    if (this.now() - keys.fetchedAt >= this.maxAgeMs && this.cooledDown()) void this.fetchNow();
    try {
      return (await keys.resolve(header));
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    // A kid we do not know: the provider may have rotated its keys.
    await this.fetchIfAllowed();
    if (this.keys && this.keys !== keys) return (await this.keys.resolve(header));
    if (this.lastError !== null) throw this.unavailable(`the token's key ${JSON.stringify(header.kid ?? null)} is not among those fetched before`);
    throw new errors.JWKSNoMatchingKey();
  };

  private unavailable(what: string): KeyUnavailableError {
    return new KeyUnavailableError(`the identity provider ${this.options.issuer} cannot be reached (${this.lastError ?? 'not asked yet'}) and ${what}`);
  }

  /** Waits for the fetch under way, or fetches when the cooldown allows; never throws. */
  async fetchIfAllowed(): Promise<void> {
    if (this.pending) await this.pending;
    else if (this.cooledDown()) await this.fetchNow();
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  /** Whether the cooldown since the last fetch has passed (or the clock was set back before it). */
  private cooledDown(): boolean {
    const elapsed = this.now() - this.lastAttempt;
    return elapsed >= this.cooldownMs || elapsed < 0;
  }

  private fetchNow(): Promise<void> {
    this.pending ??= this.fetchKeys().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = this.now();
    try {
      const meta = await this.discover();
      const jwks = (await this.getJson(meta.jwksUri)) as JSONWebKeySet;
      const resolve = createLocalJWKSet(jwks);
      this.meta = meta;
      this.keys = { resolve, count: jwks.keys.length, fetchedAt: this.now() };
      if (this.lastError !== null) this.options.log.info('identity provider reachable again', { issuer: this.options.issuer, keys: jwks.keys.length });
      this.lastError = null;
      for (const listener of this.listeners) listener();
    } catch (error) {
      this.lastError = describeFailure(error);
      this.options.log.error('identity provider keys not fetched', { issuer: this.options.issuer, error: this.lastError, keptKeys: this.keys?.count ?? 0 });
    }
  }

  private async discover(): Promise<IssuerMetadata> {
    const doc = (await this.getJson(discoveryUrl(this.options.issuer))) as Record<string, unknown>;
    if (doc['issuer'] !== this.options.issuer) {
      throw new Error(`the discovery document names issuer ${JSON.stringify(doc['issuer'])}, not ${JSON.stringify(this.options.issuer)} (OIDC_ISSUER must be exactly the provider's issuer)`);
    }
    const jwksUri = optionalUrl(doc['jwks_uri']);
    if (!jwksUri) throw new Error('the discovery document has no jwks_uri');
    return {
      issuer: this.options.issuer,
      jwksUri,
      authorizationEndpoint: optionalUrl(doc['authorization_endpoint']),
      tokenEndpoint: optionalUrl(doc['token_endpoint']),
      endSessionEndpoint: optionalUrl(doc['end_session_endpoint']),
    };
  }

  private async getJson(url: string): Promise<unknown> {
    const get = () => this.doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    // Once more after a connection that broke (a kept-alive connection the provider closed as
    // it was reused): a GET can be repeated; a refused connection or a timeout is not retried.
    const response = await get().catch((error: unknown) => {
      if ((error as { cause?: { code?: unknown } }).cause?.code === 'ECONNRESET') return get();
      throw error;
    });
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return response.json();
  }
}
