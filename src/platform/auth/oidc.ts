import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../context.js';
import { AuthRefusal, ServiceUnavailableError, UnauthenticatedError } from '../errors.js';
import { KeyUnavailableError, type IssuerKeys } from './issuer-keys.js';

/**
 * Terminology
 * - identity-provider token: a JWT an OpenID provider signed (an access token meant for the
 *   hub, or an ID token whose audience is the hub's client), `iss` = OIDC_ISSUER.
 * - audience: OIDC_AUDIENCE; the token's `aud` (a string or a list) must contain it.
 * - principal claim: OIDC_PRINCIPAL_CLAIM (default `preferred_username`); its value is the
 *   name of a principal of the hub, who must exist and not be disabled.
 */
interface OidcSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly principalClaim: string;
}

/** Asymmetric algorithms only: `none` and HS* (a secret the provider shares) are refused for these tokens. */
const OIDC_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

/** How far the hub's clock and the provider's may disagree, in seconds: `exp`, `nbf` and `iat` get this much slack. */
const CLOCK_SKEW_SECONDS = 60;

/** A bearer token whose signature and claims were checked. */
export interface VerifiedBearer {
  /** The principal the token names. */
  readonly principalName: string;
  /** Seconds since the epoch, on the hub's clock, when the token stops being accepted. */
  readonly expiresAt: number;
}

/** How many verified tokens a process remembers; the oldest is forgotten first. */
const VERIFIED_TOKENS = 10_000;

function refuse(reason: AuthRefusal, message: string): UnauthenticatedError {
  return new UnauthenticatedError(message, 401, reason);
}

/** jose's verdict as a refusal a person can act on. */
function refusalOf(error: unknown, settings: OidcSettings): Error {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof KeyUnavailableError) return new ServiceUnavailableError(`Cannot verify the token now: ${error.message}`);
  if (error instanceof errors.JWTExpired) return refuse(AuthRefusal.TOKEN_EXPIRED, 'Token expired: sign in again');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return refuse(AuthRefusal.WRONG_AUDIENCE, `Token audience ${JSON.stringify(error.payload.aud ?? null)} does not include this hub's ${JSON.stringify(settings.audience)} (OIDC_AUDIENCE)`);
    if (error.claim === 'iss') return refuse(AuthRefusal.WRONG_ISSUER, `Token issuer is not ${settings.issuer}`);
    if (error.claim === 'nbf' || error.claim === 'iat') return refuse(AuthRefusal.TOKEN_NOT_YET_VALID, `Token is not valid yet (${error.claim} is in the future)`);
    return refuse(AuthRefusal.MALFORMED_TOKEN, `Token claim ${error.claim} is invalid: ${error.message}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse(AuthRefusal.UNKNOWN_KEY, `Token is signed with a key ${settings.issuer} does not publish`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return refuse(AuthRefusal.BAD_SIGNATURE, 'Token signature is invalid');
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return refuse(AuthRefusal.ALGORITHM_REFUSED, `Token algorithm is not accepted; use one of ${OIDC_ALGORITHMS.join(', ')}`);
  }
  return refuse(AuthRefusal.MALFORMED_TOKEN, `Token rejected: ${error instanceof errors.JOSEError ? error.code : 'malformed'}`);
}

/**
 * Verifies identity-provider tokens with the provider's published keys: signature (RS256,
 * ES256 or EdDSA), `iss`, `aud`, `exp` (required), `nbf` and `iat` with 60 s of clock skew,
 * and the principal claim. Verified tokens are remembered until they expire, and forgotten
 * whenever the key set changes (a key the provider withdrew must stop working).
 */
export class OidcTokens {
  private readonly verified = new Map<string, VerifiedBearer>();

  constructor(
    readonly settings: OidcSettings,
    readonly keys: IssuerKeys,
    private readonly clock: Clock,
  ) {
    keys.onChange(() => this.verified.clear());
  }

  async verify(token: string): Promise<VerifiedBearer> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const known = this.verified.get(token);
    if (known && known.expiresAt > nowSeconds) return known;
    if (known) this.verified.delete(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.resolve, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: this.clock.now(),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw refusalOf(error, this.settings);
    }
    const name = payload[this.settings.principalClaim];
    if (typeof name !== 'string' || name.trim() === '') {
      throw refuse(AuthRefusal.PRINCIPAL_CLAIM_MISSING, `Token has no ${this.settings.principalClaim} claim naming a principal (OIDC_PRINCIPAL_CLAIM)`);
    }
    const verified: VerifiedBearer = { principalName: name, expiresAt: (payload.exp as number) + CLOCK_SKEW_SECONDS };
    this.verified.set(token, verified);
    if (this.verified.size > VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    return verified;
  }
}
