import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { AuthRefusal, UnauthenticatedError } from '../errors.js';
import { LOCAL_ISSUER, type VerifiedTokens } from './jwt.js';
import type { OidcTokens, VerifiedBearer } from './oidc.js';

/**
 * Terminology
 * - bearer token: what follows `Bearer ` in `Authorization` (or `connectionParams.authorization`).
 * - local token: HS256, `iss` = `gridhub`, signed with JWT_SECRET by the hub itself (`gridhub
 *   token`, the demo sign-in). Off with LOCAL_TOKENS=off.
 * - identity-provider token: `iss` = OIDC_ISSUER, verified with the provider's published keys
 *   (see oidc.ts).
 * A token's unverified `iss` only chooses which of the two checks it gets; each check then
 * verifies the signature and every claim itself.
 */
export class BearerTokens {
  constructor(
    /** Undefined when local tokens are off. */
    private readonly local: VerifiedTokens | undefined,
    /** Undefined when no identity provider is configured. */
    private readonly oidc: OidcTokens | undefined,
  ) {}

  async verify(token: string): Promise<VerifiedBearer> {
    const { header, payload } = readToken(token);
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
      throw new UnauthenticatedError('Unsigned tokens (alg "none") are never accepted', 401, AuthRefusal.ALGORITHM_REFUSED);
    }
    if (payload.iss === LOCAL_ISSUER) return this.verifyLocal(token);
    if (this.oidc && payload.iss === this.oidc.settings.issuer) {
      if (header.alg.startsWith('HS')) {
        throw new UnauthenticatedError(`${header.alg} is not accepted for tokens of ${payload.iss}: the provider must sign with RS256, ES256 or EdDSA`, 401, AuthRefusal.ALGORITHM_REFUSED);
      }
      return this.oidc.verify(token);
    }
    throw new UnauthenticatedError(`Token issuer ${JSON.stringify(payload.iss ?? null)} is not trusted here; expected ${this.expectedIssuers()}`, 401, AuthRefusal.WRONG_ISSUER);
  }

  private async verifyLocal(token: string): Promise<VerifiedBearer> {
    if (!this.local) {
      throw new UnauthenticatedError('Local tokens (gridhub token) are off on this hub (LOCAL_TOKENS=off): sign in with the identity provider', 401, AuthRefusal.LOCAL_TOKENS_OFF);
    }
    const claims = await this.local.verify(token);
    return { principalName: claims.sub, expiresAt: claims.exp };
  }

  private expectedIssuers(): string {
    const issuers = [...(this.oidc ? [this.oidc.settings.issuer] : []), ...(this.local ? [`"${LOCAL_ISSUER}" (local tokens)`] : [])];
    return issuers.length > 0 ? issuers.join(' or ') : 'none (this hub accepts API keys only)';
  }
}

function readToken(token: string): { header: ProtectedHeaderParameters; payload: JWTPayload } {
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch {
    throw new UnauthenticatedError('Token is malformed: expected a JWT (three base64url parts)', 401, AuthRefusal.MALFORMED_TOKEN);
  }
}
