// The hub's side of signing in from a browser page (GraphiQL, the board): what the page needs
// to know to run the identity provider's authorization-code flow itself, and, on the demo
// only, a sign-in that hands out short-lived local tokens for the demo principals.
//
//   GET  /auth/sign-in          the sign-in methods this hub offers (always answers)
//   GET  /auth/demo/principals  the demo principals one may sign in as   } only on the embedded
//   POST /auth/demo/token       {"principal": name} → a 15-minute token  } demo (see DemoSignIn)
//
// The browser side is ./sign-in/ (session.ts and bar.ts), bundled into each page.
import express, { Router, type Request, type Response } from 'express';
import type { Hub } from '../platform/context.js';
import { signToken } from '../platform/auth/jwt.js';
import { UnauthenticatedError } from '../platform/errors.js';
import { issuerKeys } from '../context.js';
import { loadPrincipal } from '../modules/principals/index.js';
import { DEMO_PRINCIPALS } from '../seed/demo.js';

/** How long a demo sign-in's token lasts; the page asks for a new one before it ends. */
const DEMO_TOKEN_TTL_SECONDS = 15 * 60;

/** What GET /auth/sign-in answers. */
export interface SignInMethods {
  /** The identity provider's browser sign-in; null when OIDC_ISSUER or OIDC_CLIENT_ID is not set. */
  readonly oidc: {
    readonly issuer: string;
    readonly clientId: string;
    readonly scope: string;
    /** A token is meant for the hub when its `aud` contains this. */
    readonly audience: string;
    readonly principalClaim: string;
    readonly resource: string | null;
    /** Null while the provider's discovery document could not be fetched (then `unavailable` says why). */
    readonly authorizationEndpoint: string | null;
    readonly tokenEndpoint: string | null;
    readonly endSessionEndpoint: string | null;
    readonly unavailable: string | null;
  } | null;
  /** Whether the demo sign-in exists on this hub. */
  readonly demo: boolean;
  /** Whether local tokens (`gridhub token`) are accepted. */
  readonly localTokens: boolean;
}

interface SignInRouterOptions {
  /**
   * The demo sign-in: its routes exist only when this is true, which the hub decides at start
   * (the embedded demo, never NODE_ENV=production, never LOCAL_TOKENS=off).
   */
  readonly demo: boolean;
}

const NO_STORE = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).set(NO_STORE).json({ error: { code, message } });
}

async function methodsOf(hub: Hub, demo: boolean): Promise<SignInMethods> {
  const oidc = hub.config.oidc;
  const keys = hub.singles.of(issuerKeys);
  if (!oidc?.clientId || !keys) return { oidc: null, demo, localTokens: hub.config.localTokens };
  // A page asks once per load: a provider not reached yet is asked now (within the cooldown, and bounded by its timeout).
  if (!keys.metadata) await keys.fetchIfAllowed();
  const meta = keys.metadata;
  return {
    oidc: {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      scope: oidc.scope,
      audience: oidc.audience,
      principalClaim: oidc.principalClaim,
      resource: oidc.resource ?? null,
      authorizationEndpoint: meta?.authorizationEndpoint ?? null,
      tokenEndpoint: meta?.tokenEndpoint ?? null,
      endSessionEndpoint: meta?.endSessionEndpoint ?? null,
      unavailable: meta ? null : `the identity provider cannot be reached: ${keys.status().lastError ?? 'no answer'}`,
    },
    demo,
    localTokens: hub.config.localTokens,
  };
}

/**
 * Origins a sign-in page must be allowed to connect to (its Content-Security-Policy's
 * connect-src): the identity provider's, for the code exchange at its token endpoint.
 */
export function signInConnectSources(hub: Hub): string[] {
  const oidc = hub.config.oidc;
  if (!oidc?.clientId) return [];
  const origins = new Set([new URL(oidc.issuer).origin]);
  const tokenEndpoint = hub.singles.of(issuerKeys)?.metadata?.tokenEndpoint;
  if (tokenEndpoint) origins.add(new URL(tokenEndpoint).origin);
  return [...origins];
}

export interface DemoPrincipalView {
  readonly name: string;
  readonly displayName: string;
  readonly kind: string;
  readonly roles: readonly string[];
  readonly unit: { readonly code: string; readonly name: string } | null;
}

/** The demo principals present and enabled in the database, in the demo's order. */
async function demoPrincipals(hub: Hub): Promise<DemoPrincipalView[]> {
  const loaded = await Promise.all(
    DEMO_PRINCIPALS.map((demo) => loadPrincipal(hub.database.db, demo.name, null).catch((error: unknown) => {
      if (error instanceof UnauthenticatedError) return undefined;
      throw error;
    })),
  );
  return loaded
    .filter((p) => p !== undefined)
    .map((p) => {
      const home = p.unit ?? p.department?.jurisdiction ?? null;
      return { name: p.name, displayName: p.displayName, kind: p.kind, roles: p.roles, unit: home ? { code: home.code, name: home.name } : null };
    });
}

function demoRouter(hub: Hub): Router {
  const router = Router();
  router.get('/principals', async (_req: Request, res: Response) => {
    res.set(NO_STORE).json({ principals: await demoPrincipals(hub) });
  });
  // JSON only: a form posted from another site (no preflight) is refused.
  router.post('/token', express.json({ limit: '2kb', type: 'application/json' }), async (req: Request, res: Response) => {
    const name = (req.body as { principal?: unknown } | undefined)?.principal;
    if (!req.is('application/json') || typeof name !== 'string') {
      fail(res, 400, 'BAD_USER_INPUT', 'Send {"principal": "<demo principal name>"} as application/json');
      return;
    }
    if (!DEMO_PRINCIPALS.some((p) => p.name === name)) {
      fail(res, 404, 'NOT_FOUND', `"${name}" is not a demo principal; GET /auth/demo/principals lists them`);
      return;
    }
    try {
      await loadPrincipal(hub.database.db, name, null);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      fail(res, 401, 'UNAUTHENTICATED', error.message);
      return;
    }
    // Local tokens are checked against the system clock (as `gridhub token`'s are).
    const now = Date.now();
    const token = await signToken(hub.jwtSecret, name, DEMO_TOKEN_TTL_SECONDS, now);
    res.set(NO_STORE).json({ principal: name, token, expiresAt: Math.floor(now / 1000) + DEMO_TOKEN_TTL_SECONDS });
  });
  return router;
}

/** Mounted at /auth. */
export function signInRouter(hub: Hub, options: SignInRouterOptions): Router {
  const router = Router();
  router.get('/sign-in', async (_req: Request, res: Response) => {
    res.set(NO_STORE).json(await methodsOf(hub, options.demo));
  });
  // Not registered at all unless the demo sign-in is on: in production the paths do not exist.
  if (options.demo) router.use('/demo', demoRouter(hub));
  return router;
}
