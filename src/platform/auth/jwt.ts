import { SignJWT, jwtVerify, errors } from 'jose';
import { AuthRefusal, UnauthenticatedError } from '../errors.js';

/** `iss` and `aud` of local tokens: HS256 tokens the hub signs itself (`gridhub token`, the demo sign-in). */
export const LOCAL_ISSUER = 'gridhub';
const ISSUER = LOCAL_ISSUER;
const AUDIENCE = 'gridhub';

interface TokenClaims {
  /** The principal's name, e.g. `xuetian.officer`. */
  sub: string;
  exp: number;
  iat: number;
}

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** `8h`, `30m`, `7d`, `90s` → seconds. */
export function parseTtl(ttl: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(ttl.trim());
  if (!match) throw new RangeError(`TTL must look like 90s, 30m, 8h or 7d, got "${ttl}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export async function signToken(secret: string, principalName: string, ttlSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principalName)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(keyOf(secret));
}

/** Every failure is UNAUTHENTICATED with a reason a developer can act on; HTTP 401. */
async function verifyToken(secret: string, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') {
      throw new UnauthenticatedError('Token lacks sub, iat or exp', 401, AuthRefusal.MALFORMED_TOKEN);
    }
    return { sub: payload.sub, exp: payload.exp, iat: payload.iat };
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('Token expired: get a new one', 401, AuthRefusal.TOKEN_EXPIRED);
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new UnauthenticatedError('Token signature is invalid', 401, AuthRefusal.BAD_SIGNATURE);
    if (error instanceof errors.JOSEAlgNotAllowed) throw new UnauthenticatedError('Token algorithm is not accepted: local tokens are HS256', 401, AuthRefusal.ALGORITHM_REFUSED);
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      throw new UnauthenticatedError(`Token audience is not "${AUDIENCE}"`, 401, AuthRefusal.WRONG_AUDIENCE);
    }
    if (error instanceof errors.JOSEError) throw new UnauthenticatedError(`Token rejected: ${error.code}`, 401, AuthRefusal.MALFORMED_TOKEN);
    throw new UnauthenticatedError('Token is malformed', 401, AuthRefusal.MALFORMED_TOKEN);
  }
}

/** How many verified tokens a process remembers; the oldest is forgotten first. */
const VERIFIED_TOKENS = 10_000;

/**
 * Verified tokens, remembered per process: a token is the same string with the same signature
 * every time, so once checked only its expiry can change its answer. Saves the HMAC (WebCrypto,
 * a thread-pool round trip) on every request of a client that keeps its token.
 */
export class VerifiedTokens {
  private readonly claims = new Map<string, TokenClaims>();

  constructor(private readonly secret: string) {}

  async verify(token: string): Promise<TokenClaims> {
    const known = this.claims.get(token);
    if (known && known.exp > Math.floor(Date.now() / 1000)) return known;
    if (known) this.claims.delete(token);
    // Unknown or expired: jose decides, with its own messages.
    const claims = await verifyToken(this.secret, token);
    this.claims.set(token, claims);
    if (this.claims.size > VERIFIED_TOKENS) this.claims.delete(this.claims.keys().next().value as string);
    return claims;
  }
}
