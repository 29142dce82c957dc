// The printable report page in a real (headless) Chromium: Debian's /usr/bin/chromium driven
// by playwright-core (never a downloaded browser). The page opens from its print link, its
// charts are drawn and visible on screen and in print, and no request leaves the hub.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { collectPageErrors, hasChromium, keepToOrigin, launchChromium } from '../helpers/browser.js';
import { createTestHub, type TestHub } from '../helpers/hub.js';

const CHARTS = ['chart-days', 'chart-alert-types', 'chart-request-types', 'chart-children', 'chart-case-types', 'chart-device-status', 'chart-device-types'];

describe.skipIf(!hasChromium)('the report page in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    hub = await createTestHub();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 } });
    const origin = new URL(hub.url).origin;
    // Record every request; one for another host is aborted (and fails the test below).
    await keepToOrigin(context, origin, requested, blocked);
    page = await context.newPage();
    collectPageErrors(page, errors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('opens from its print link with every chart drawn, and nothing but the hub was asked for anything', async () => {
    const list = await hub.gql<any>('{ reports(filter: { unitCode: "320613006" }, first: 1) { edges { node { id printUrl unit { name } figures } } } }', {}, { as: 'xuetian.officer' });
    const node = list.body.data.reports.edges[0].node;
    const response = await page.goto(`${hub.url}${node.printUrl}`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toMatch(/^学田街道周报（\d{4}年\d+月\d+日—\d{4}年\d+月\d+日）$/);
    expect(await page.locator('h1').innerText()).toBe(await page.title());

    for (const id of CHARTS) {
      const chart = page.locator(`svg#${id}`);
      await expect.poll(() => chart.isVisible()).toBe(true);
      const box = await chart.boundingBox();
      expect(box?.width, id).toBeGreaterThan(200);
      expect(box?.height, id).toBeGreaterThan(20);
    }
    // Bars with a size on screen: one per day and kind in the daily chart, as many as the figures say are non-zero.
    const drawn = await page.locator('svg#chart-days rect.bar').evaluateAll((rects) => rects.filter((r) => (r as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height > 0).length);
    const nonZero = ['ALERTS', 'REQUESTS', 'CASES'].flatMap((k) => node.figures.byDay[k]).filter((d: any) => d.count > 0).length;
    expect(nonZero).toBeGreaterThan(0);
    expect(drawn).toBe(nonZero);
    const typeBars = await page.locator('svg#chart-alert-types rect.bar').count();
    expect(typeBars).toBe(Math.min(12, node.figures.byType.ALERTS.length));
    expect(await page.locator('#totals tbody tr').count()).toBe(4);
    // The case KPIs: the street and each of its five communities.
    expect(await page.locator('#case-kpis tbody tr').count()).toBe(6);

    // Printed on A4: the print stylesheet applies and the PDF has pages.
    await page.emulateMedia({ media: 'print' });
    for (const id of CHARTS) expect(await page.locator(`svg#${id}`).isVisible()).toBe(true);
    const pdf = await page.pdf({ preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // A4 is 595 × 842 points.
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]/);
    mkdirSync('test-results', { recursive: true });
    await page.emulateMedia({ media: 'screen' });
    await page.screenshot({ path: 'test-results/report-page.png', fullPage: true }).catch(() => undefined);

    expect(blocked).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(new URL(url).origin).toBe(new URL(hub.url).origin);
    expect(errors).toEqual([]);
  }, 90_000);
});
