// Signing in to GraphiQL in headless Chromium, against a real hub and a real OpenID provider
// (oidc-provider, its own login and consent pages): the Sign in button's authorization-code flow
// with PKCE, `me` answered for the person signed in over HTTP, the same token in the WebSocket's
// connectionParams; the demo sign-in; renewal with a refresh token, and "sign in again" when the
// provider gives none. Runs only where Debian's chromium is installed; never downloads one.
import { type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, hasChromium, keepToOrigin, launchChromium } from '../helpers/browser.js';
import { QUERY_EDITOR, replaceEditorText, run } from '../helpers/graphiql-page.js';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { makeSigningKey, startTestProvider, TEST_CLIENT_ID, TEST_RESOURCE, type TestProvider } from '../helpers/oidc.js';
import { loadGraphiqlAssets } from '../../src/web/graphiql/bundle.js';

const BAR = '.gridhub-sign-in';

/** The person at the provider, and the principal the provider names them as. */
const LOGIN = 'zhang.wei';
const PRINCIPAL = 'xuetian.officer';

describe.skipIf(!hasChromium)('signing in to GraphiQL in Chromium', () => {
  let provider: TestProvider;
  let hub: TestHub;
  let browser: Browser;
  const requested: string[] = [];
  const blocked: string[] = [];
  const consoleErrors: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await loadGraphiqlAssets();
    provider = await startTestProvider({ keys: [await makeSigningKey('ES256')], redirectUris: [], usernames: { [LOGIN]: PRINCIPAL } });
    hub = await createTestHub({
      demoData: true,
      env: { OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: TEST_RESOURCE, OIDC_CLIENT_ID: TEST_CLIENT_ID, OIDC_RESOURCE: TEST_RESOURCE },
    });
    // The client's registration: the redirect URI is the hub's GraphiQL page.
    provider.allowRedirects([`${hub.url}/graphiql`]);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await provider?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    contexts.push(context);
    await keepToOrigin(context, [new URL(hub.url).origin, provider.issuer], requested, blocked);
    const page = await context.newPage();
    collectPageErrors(page, consoleErrors);
    return page;
  }

  async function openGraphiql(page: Page): Promise<void> {
    await page.goto(`${hub.url}/graphiql`);
    await page.locator(`${QUERY_EDITOR} .view-lines`).waitFor({ timeout: 60_000 });
  }

  /** Clicks the bar's Sign in and goes through the provider's login (and consent) pages until back on GraphiQL. */
  async function signInAtProvider(page: Page, action = 'sign-in'): Promise<void> {
    await page.locator(`${BAR} [data-action="${action}"]`).click();
    for (let step = 0; step < 4; step++) {
      await page.waitForURL((url) => url.origin === provider.issuer || url.pathname === '/graphiql', { timeout: 15_000 });
      if (new URL(page.url()).origin !== provider.issuer) return;
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', LOGIN);
        await page.fill('input[name="password"]', 'any password');
      }
      const from = page.url();
      await Promise.all([page.waitForURL((url) => url.href !== from, { timeout: 15_000 }), page.locator('button[type="submit"]').click()]);
    }
    throw new Error('the provider did not send the browser back');
  }

  /** The Authorization header of the page's next POST /graphql. */
  function nextAuthorization(page: Page): Promise<string | undefined> {
    return page.waitForRequest((request: Request) => request.url() === `${hub.url}/graphql` && request.method() === 'POST').then((request) => request.headers()['authorization']);
  }

  it('Sign in goes through the provider’s login page and back; me answers for the person signed in, over HTTP and WebSocket', async () => {
    const page = await newPage();
    const initPayloads: unknown[] = [];
    const acks: string[] = [];
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => {
        const message = JSON.parse(String(frame.payload)) as { type: string; payload?: unknown };
        if (message.type === 'connection_init') initPayloads.push(message.payload);
      });
      socket.on('framereceived', (frame) => {
        const message = JSON.parse(String(frame.payload)) as { type: string };
        acks.push(message.type);
      });
    });
    await openGraphiql(page);
    await page.locator(`${BAR}[data-state="signed-out"] [data-action="sign-in"]`).waitFor();
    await signInAtProvider(page);

    await page.locator(`${BAR}[data-state="signed-in"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`${BAR} [data-role="status"]`).innerText()).toMatch(new RegExp(`^Signed in as ${PRINCIPAL} \\(identity provider\\) until \\d\\d:\\d\\d:\\d\\d$`));
    // The code and state are gone from the address; no token is stored anywhere.
    expect(new URL(page.url()).search).toBe('');
    const stored = await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])');
    expect(stored).not.toMatch(/eyJ/);
    expect(stored).not.toContain('gridhub.sign-in.pending');

    await replaceEditorText(page, QUERY_EDITOR, '{ me { name kind } }');
    const sent = nextAuthorization(page);
    expect(await run(page, PRINCIPAL)).toContain(`"name": "${PRINCIPAL}"`);
    const authorization = await sent;
    expect(authorization).toMatch(/^Bearer eyJ/);

    await replaceEditorText(page, QUERY_EDITOR, 'subscription { alertRaised { id } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => acks, { timeout: 15_000 }).toContain('connection_ack');
    expect(initPayloads).toEqual([{ authorization }]);
    await page.locator('.graphiql-execute-button').click();

    await page.locator(`${BAR} [data-action="sign-out"]`).click();
    await page.locator(`${BAR}[data-state="signed-out"]`).waitFor();
    await replaceEditorText(page, QUERY_EDITOR, '{ me { name } }');
    expect(await run(page, 'UNAUTHENTICATED')).toContain('Authentication required');
    await page.context().close();
  }, 120_000);

  it('Demo sign-in lists the demo principals and signs in as the one chosen', async () => {
    const page = await newPage();
    await openGraphiql(page);
    const select = page.locator(`${BAR} [data-role="demo-principal"]`);
    await expect.poll(() => select.locator('option').count(), { timeout: 15_000 }).toBe(11);
    expect(await select.locator('option').first().innerText()).toBe('city.admin — 南通市社会治理现代化指挥中心管理员 (南通市)');
    await select.selectOption('hujing.grid');
    await page.locator(`${BAR} [data-action="demo-sign-in"]`).click();
    await page.locator(`${BAR}[data-state="signed-in"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`${BAR} [data-role="status"]`).innerText()).toMatch(/^Signed in as hujing\.grid \(demo sign-in\) until \d\d:\d\d:\d\d$/);
    await replaceEditorText(page, QUERY_EDITOR, '{ me { name unit { name } } }');
    expect(await run(page, 'hujing.grid')).toContain('"name": "互敬网格"');
    await page.context().close();
  }, 120_000);

  it('renews the token with the refresh token before it expires', async () => {
    // Ten-second tokens: the page renews after 80 % of their life.
    provider.reconfigure({ accessTokenTtl: 10, refreshTokens: true });
    const page = await newPage();
    const grants: string[] = [];
    page.on('request', (request) => {
      if (request.url() === `${provider.issuer}/token`) grants.push(new URLSearchParams(request.postData() ?? '').get('grant_type') ?? '');
    });
    await openGraphiql(page);
    await signInAtProvider(page);
    await page.locator(`${BAR}[data-state="signed-in"]`).waitFor({ timeout: 15_000 });
    await replaceEditorText(page, QUERY_EDITOR, '{ me { name expiresAt } }');
    const first = nextAuthorization(page);
    await run(page, PRINCIPAL);
    const status = page.locator(`${BAR} [data-role="status"]`);
    const before = await status.innerText();
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).not.toBe(before);
    expect(await page.locator(BAR).getAttribute('data-state')).toBe('signed-in');
    const second = nextAuthorization(page);
    await run(page, PRINCIPAL);
    expect(await second).not.toBe(await first);
    expect(grants.slice(0, 2)).toEqual(['authorization_code', 'refresh_token']);
    await page.context().close();
  }, 120_000);

  it('without a refresh token, asks to sign in again before the token ends, and signs out when it has', async () => {
    provider.reconfigure({ accessTokenTtl: 10, refreshTokens: false });
    const page = await newPage();
    await openGraphiql(page);
    await signInAtProvider(page);
    await page.locator(`${BAR}[data-state="signed-in"]`).waitFor({ timeout: 15_000 });
    await page.locator(`${BAR}[data-state="renewal-needed"] [data-action="sign-in"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`${BAR} [data-action="sign-in"]`).innerText()).toBe('Sign in again');
    await page.locator(`${BAR}[data-state="signed-out"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`${BAR} [data-role="error"]`).innerText()).toBe('Your sign-in has expired: sign in again');
    // Signing in again from there works.
    await signInAtProvider(page);
    await page.locator(`${BAR}[data-state="signed-in"]`).waitFor({ timeout: 15_000 });
    await page.context().close();
  }, 120_000);

  it('loaded nothing from any other host and logged no error', () => {
    // oidc-provider's development login page links a Google font (refused here); the hub's pages ask for nothing outside.
    expect(blocked.filter((url) => !url.startsWith('https://fonts.googleapis.com/'))).toEqual([]);
    requested.splice(0, requested.length, ...requested.filter((url) => !blocked.includes(url)));
    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([new URL(hub.url).origin, provider.issuer].sort());
    // …and Chromium reports each of those refused font requests on the console.
    expect(consoleErrors.filter((text) => text !== 'Failed to load resource: net::ERR_FAILED')).toEqual([]);
    expect(consoleErrors.length).toBe(blocked.length);
  });
});
