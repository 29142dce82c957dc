import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Hub } from '../../platform/context.js';
import { UnauthenticatedError } from '../../platform/errors.js';

/**
 * A print link: `/reports/<id>?access_token=<link token>`. The token is a JWT for one report
 * and one principal that expires after LINK_TTL_SECONDS, signed with a key derived from the
 * hub's secret for this purpose only: it is not a bearer token (the GraphQL endpoint rejects
 * it) and a bearer token is not a link token (a URL never carries a credential that opens the
 * API). The page still applies the principal's current rules when it is opened.
 */
export const LINK_TTL_SECONDS = 600;
const ISSUER = 'gridhub';
const AUDIENCE = 'gridhub/report-page';

function linkKey(secret: string): Uint8Array {
  return createHmac('sha256', secret).update('gridhub report print link v1').digest();
}

export async function signReportLink(hub: Hub, principalName: string, reportId: string): Promise<string> {
  const iat = Math.floor(hub.clock.now().getTime() / 1000);
  return new SignJWT({ rid: reportId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principalName)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LINK_TTL_SECONDS)
    .sign(linkKey(hub.jwtSecret));
}

/** The principal a link was made for; UNAUTHENTICATED when it is forged, expired or for another report. */
export async function verifyReportLink(hub: Hub, token: string, reportId: string): Promise<{ principalName: string; expiresAt: number }> {
  try {
    const { payload } = await jwtVerify(token, linkKey(hub.jwtSecret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: hub.clock.now() });
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number' || payload['rid'] !== reportId) throw new Error('link is for another report');
    return { principalName: payload.sub, expiresAt: payload.exp };
  } catch {
    throw new UnauthenticatedError('The print link is invalid or has expired: ask for Report.printUrl again', 401);
  }
}
