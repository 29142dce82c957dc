import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (CI installs the package); the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether this machine has it: browser tests are skipped where it does not. */
export const hasChromium = existsSync(CHROMIUM);

/** Headless, and quiet on a closed network (without the background-networking flags its connections are refused). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Records every URL the context requests into `requested`; one for another origin (than `origin`,
 * or than any of them) is aborted (so a stray request can never leave the machine) and also
 * recorded into `blocked`.
 */
export async function keepToOrigin(context: BrowserContext, origin: string | readonly string[], requested: string[], blocked: string[]): Promise<void> {
  const allowed = new Set(typeof origin === 'string' ? [origin] : origin);
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requested.push(url);
    if (allowed.has(new URL(url).origin)) await route.continue();
    else {
      blocked.push(url);
      await route.abort();
    }
  });
}

/** Collects the page's console errors and uncaught exceptions into `errors`. */
export function collectPageErrors(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
}
