// The command centre's board (/board) in headless Chromium against a real hub with the demo data,
// for a street, a community and the district: it loads behind the demo sign-in; an alert ingested
// through the API appears within 2 s and is acknowledged from the board; an SLA escalation moves
// the overdue count; drill-down and the path back up; a unit outside the viewer's scope is
// refused; a dropped WebSocket shows the stale banner, reconnects and resumes its feeds from their
// cursors (each alert of the gap once, none outside the scope), or refetches when the hub says
// the cursor has expired.
// Every request stays on the hub's origin and the page logs no error (a CSP violation would).
// Screenshots at 1920×1080 (and one at 1366×768) go to test-artifacts/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Browser, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, hasChromium, keepToOrigin, launchChromium } from '../helpers/browser.js';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { loadBoardAssets } from '../../src/web/board/bundle.js';
import { sweepOverdueCases } from '../../src/modules/cases/index.js';
import { executeRows } from '../../src/platform/db/rows.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

interface Tier {
  readonly tier: string;
  readonly principal: string;
  readonly unit: string;
  readonly unitName: string;
  /** A child unit to drill down to. */
  readonly child: string;
  /** Where the test's alert and case happen (below the child). */
  readonly place: string;
}

const TIERS: readonly Tier[] = [
  { tier: 'street', principal: 'xuetian.officer', unit: '320613006', unitName: '学田街道', child: '320613006002', place: '320613006002001' },
  { tier: 'community', principal: 'shuguang.officer', unit: '320613006001', unitName: '曙光社区', child: '320613006001002', place: '320613006001002' },
  { tier: 'district', principal: 'chongchuan.officer', unit: '320613', unitName: '崇川区', child: '320613008', place: '320613008001001' },
];

describe.skipIf(!hasChromium)('the board in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  const requested: string[] = [];
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  let serial = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await loadBoardAssets();
    hub = await createTestHub({ demoData: true });
    // The demo's overdue cases escalate once now, so that only the tests' own cases escalate later.
    while ((await sweepOverdueCases(hub.handle.hub)) > 0);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  async function openBoard(principal: string, options: { unit?: string; viewport?: { width: number; height: number }; socket?: (route: WebSocketRoute) => void; live?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1920, height: 1080 } });
    await keepToOrigin(context, new URL(hub.url).origin, requested, blocked);
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    if (options.socket) await page.routeWebSocket(/\/graphql$/, options.socket);
    await page.goto(`${hub.url}/board${options.unit ? `?unit=${options.unit}` : ''}`);
    await page.locator('[data-role="demo-principal"]').selectOption(principal);
    await page.locator('[data-action="demo-sign-in"]').click();
    // A board that opens no unit opens no live feed either.
    if (options.live !== false) await page.locator('#board[data-live="up"]').waitFor({ timeout: 30_000 });
    return page;
  }

  async function ready(page: Page, unit: string): Promise<void> {
    await page.locator(`#board[data-state="ready"][data-unit="${unit}"]`).waitFor({ timeout: 30_000 });
  }

  const figure = async (page: Page, id: string): Promise<number> => Number(await page.locator(`#${id}`).innerText());

  async function ingestAlert(place: string, severity = 'CRITICAL'): Promise<string> {
    const externalId = `board-test-${++serial}`;
    const answer = await hub.gql<{ ingestAlerts: { results: { id: string; status: string }[] } }>(
      'mutation($input: IngestAlertsInput!) { ingestAlerts(input: $input) { results { id: recordId status } } }',
      { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity, unitCode: place, occurredAt: new Date().toISOString(), location: { lat: 32.01, lng: 120.87 } }] } },
      { as: 'iot-platform' },
    );
    const result = answer.body.data?.ingestAlerts.results[0];
    expect(result?.status).toBe('ACCEPTED');
    return result!.id;
  }

  async function openOverdueCase(t: Tier): Promise<string> {
    const opened = await hub.gql<{ openCase: { id: string } }>(
      'mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }',
      { input: { unitCode: t.place, title: `大屏测试案件 ${t.tier}`, category: 'FACILITIES', severity: 'MEDIUM' } },
      { as: t.principal },
    );
    const caseId = opened.body.data!.openCase.id;
    // Its deadline passes (as the SLA table's hours would).
    await hub.database.db.execute(sql`update cases set deadline_at = now() - interval '1 hour' where id = ${caseId}`);
    return caseId;
  }

  for (const t of TIERS) {
    describe(`${t.tier} (${t.principal})`, () => {
      let page: Page;
      let caseId: string;

      beforeAll(async () => {
        caseId = await openOverdueCase(t);
        // A device of the place falls silent, never heard from: the longest silent of all.
        await hub.database.db.execute(
          sql`update devices set status = 'OFFLINE', last_heartbeat_at = null where id = (select id from devices where unit_code = ${t.place} and status = 'ONLINE' order by id limit 1)`,
        );
        page = await openBoard(t.principal);
        await ready(page, t.unit);
      }, 120_000);

      afterAll(async () => {
        await page?.context().close();
      });

      it('loads: the unit, its alerts, its overdue case', async () => {
        expect(await page.locator('#title').innerText()).toContain(t.unitName);
        expect(await page.locator('#stream li.alert').count()).toBeGreaterThan(0);
        await page.locator(`#overdue-list li[data-case-id="${caseId}"]`).waitFor({ timeout: 5000 });
        // The silent list is the hub's own order (silentDevices), the devices never heard from first.
        const { body } = await hub.gql<{ silentDevices: { id: string; lastHeartbeatAt: string | null }[] }>('query($unit: String!) { silentDevices(filter: { unitCode: $unit }, first: 5) { id lastHeartbeatAt } }', { unit: t.unit }, { as: t.principal });
        const silent = body.data!.silentDevices;
        expect(silent[0]?.lastHeartbeatAt).toBeNull();
        await page.locator('#silent-list li[data-device-id]').first().waitFor({ timeout: 5000 });
        const shown: (string | null)[] = [];
        for (const item of await page.locator('#silent-list li').all()) shown.push(await item.getAttribute('data-device-id'));
        expect(shown).toEqual(silent.map((d) => d.id));
        await page.screenshot({ path: `${ARTIFACTS}board-${t.tier}.png` });
      });

      it('shows a new alert within 2 s, counts it, and acknowledges it from the board', async () => {
        const before = await figure(page, 'alerts-today');
        const id = await ingestAlert(t.place);
        const item = page.locator(`#stream li[data-alert-id="${id}"]`);
        await item.waitFor({ timeout: 2000 });
        expect(await item.getAttribute('class')).toContain('critical-open');
        expect(await page.locator('#stream li').first().getAttribute('data-alert-id')).toBe(id);
        await expect.poll(() => figure(page, 'alerts-today'), { timeout: 2000 }).toBe(before + 1);

        await item.locator('[data-action="acknowledge"]').click();
        await page.locator(`#stream li[data-alert-id="${id}"][data-status="ACKNOWLEDGED"]`).waitFor({ timeout: 5000 });
        expect(await page.locator(`#stream li[data-alert-id="${id}"]`).getAttribute('class')).not.toContain('critical-open');
        const stored = await hub.gql<{ alert: { status: string } }>('query($id: ID!) { alert(id: $id) { status } }', { id }, { as: t.principal });
        expect(stored.body.data?.alert.status).toBe('ACKNOWLEDGED');
      });

      it('an SLA escalation updates the case counts', async () => {
        const overdue = await figure(page, 'cases-overdue');
        expect(overdue).toBeGreaterThan(0);
        expect(await sweepOverdueCases(hub.handle.hub)).toBeGreaterThan(0);
        await expect.poll(() => figure(page, 'cases-overdue'), { timeout: 5000 }).toBeLessThan(overdue);
        expect(await page.locator(`#overdue-list li[data-case-id="${caseId}"]`).count()).toBe(0);
      });

      it('drills down to a child unit and walks back up; a unit outside the scope is refused', async () => {
        await page.locator(`#unit-tiles [data-unit="${t.child}"]`).click();
        await ready(page, t.child);
        expect(new URL(page.url()).searchParams.get('unit')).toBe(t.child);
        const crumbs = page.locator('#crumbs');
        expect(await crumbs.locator('.crumb').count()).toBe(2);
        await crumbs.locator(`[data-crumb="${t.unit}"]`).click();
        await ready(page, t.unit);
        expect(new URL(page.url()).searchParams.has('unit')).toBe(false);
        await page.goBack();
        await ready(page, t.child);

        // 文峰 (320613008) is outside a 学田 or 曙光 principal's unit; the district's parent is outside the district's.
        const outside = t.tier === 'district' ? '320600' : '320613008';
        await page.evaluate((code) => {
          const win = globalThis as unknown as { history: { pushState(s: null, t: string, u: string): void }; dispatchEvent(e: unknown): void; PopStateEvent: new (type: string) => unknown };
          win.history.pushState(null, '', `?unit=${code}`);
          win.dispatchEvent(new win.PopStateEvent('popstate'));
        }, outside);
        await page.locator('#board[data-state="refused"]').waitFor({ timeout: 10_000 });
        expect(await page.locator('#problem').innerText()).toContain('不在您的管辖范围内');
        expect(await page.locator('#stream li').count()).toBe(0);
      });

      if (t.tier === 'street') {
        it('fits 1366×768 as well (screenshot)', async () => {
          await page.setViewportSize({ width: 1366, height: 768 });
          await page.evaluate(() => (globalThis as unknown as { history: { go(n: number): void } }).history.go(-2));
          await ready(page, t.unit);
          const size = await page.evaluate(() => {
            const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; scrollHeight: number } } }).document.documentElement;
            return { width: doc.scrollWidth, height: doc.scrollHeight };
          });
          expect(size).toEqual({ width: 1366, height: 768 });
          await page.screenshot({ path: `${ARTIFACTS}board-street-1366.png` });
        });
      }
    });
  }

  /**
   * A board for `xuetian.officer` whose WebSocket the test cuts with `cut()` and lets through
   * again with `restore()` (while cut, every new socket is closed at once); it waits until every
   * feed knows its cursor, and counts the alert list's refetches (BoardAlertCounts) after a mark.
   */
  async function cuttableBoard(): Promise<{ page: Page; cut(): Promise<void>; restore(): void; refetchesSince(mark: number): number; mark(): number }> {
    let down = false;
    const sockets: WebSocketRoute[] = [];
    const countQueries: number[] = [];
    let clock = 0;
    const page = await openBoard('xuetian.officer', {
      socket: (route) => {
        if (down) {
          void route.close();
          return;
        }
        sockets.push(route);
        route.connectToServer();
      },
    });
    page.on('request', (request) => {
      if (request.method() === 'POST' && (request.postData() ?? '').includes('BoardAlertCounts')) countQueries.push(clock);
    });
    await ready(page, '320613006');
    // Each of the four feeds has its cursor (from the "live now" ping: no event has come yet).
    await page.locator('#board[data-placed="4"]').waitFor({ timeout: 10_000 });
    return {
      page,
      async cut() {
        down = true;
        for (const socket of sockets.splice(0)) await socket.close();
        await page.locator('#stale').waitFor({ state: 'visible', timeout: 5000 });
      },
      restore() {
        down = false;
      },
      mark: () => ++clock,
      refetchesSince: (mark) => countQueries.filter((at) => at >= mark).length,
    };
  }

  const streamIds = (page: Page): Promise<string[]> => page.locator('#stream li.alert').evaluateAll((items) => items.map((item) => (item as unknown as { dataset: { alertId: string } }).dataset.alertId));

  it('after the WebSocket drops: the stale banner, then the feeds resume from their cursors: each alert of the gap once, none outside the scope', async () => {
    const board = await cuttableBoard();
    const { page } = board;
    expect(await page.locator('#stale').isHidden()).toBe(true);
    const before = await figure(page, 'alerts-today');

    await board.cut();
    expect(await page.locator('#stale').innerText()).toContain('数据可能已过期');
    const mark = board.mark();
    // Raised while the board is cut off: three in 学田's grids, one in 文峰 (outside the viewer's unit).
    const gap = [await ingestAlert('320613006003001', 'LOW'), await ingestAlert('320613006001001', 'HIGH'), await ingestAlert('320613006002001', 'MEDIUM')];
    const outside = await ingestAlert('320613008001001', 'CRITICAL');
    board.restore();
    await page.locator('#stale').waitFor({ state: 'hidden', timeout: 20_000 });
    for (const id of gap) await page.locator(`#stream li[data-alert-id="${id}"]`).waitFor({ timeout: 5000 });
    await expect.poll(() => figure(page, 'alerts-today'), { timeout: 5000 }).toBe(before + gap.length);

    // Live again after the replay, and the replay is not repeated.
    const after = await ingestAlert('320613006004003', 'LOW');
    await page.locator(`#stream li[data-alert-id="${after}"]`).waitFor({ timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ids = await streamIds(page);
    for (const id of [...gap, after]) expect(ids.filter((shown) => shown === id)).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(outside);
    expect(await figure(page, 'alerts-today')).toBe(before + gap.length + 1);
    // They came through the feed: the alert counts and list were not fetched again.
    expect(board.refetchesSince(mark)).toBe(0);
    expect(await page.locator('#connection').getAttribute('data-reloaded')).toBeNull();
    await page.context().close();
  });

  it('a cursor older than the replay window (CURSOR_EXPIRED): the board refetches and says so', async () => {
    const board = await cuttableBoard();
    const { page } = board;
    const before = await figure(page, 'alerts-today');
    await board.cut();
    const mark = board.mark();
    const gap = await ingestAlert('320613006005001', 'HIGH');
    // The log is pruned past the board's cursors, as LIVE_REPLAY_DAYS' hourly prune would.
    const [horizon] = await executeRows<{ pruned: string }>(hub.database.db, sql`select pruned_through::text as pruned from live_log_horizon where id = 1`);
    await hub.database.db.execute(sql`update live_log_horizon set pruned_through = (select max(seq) from live_log) where id = 1`);
    try {
      board.restore();
      await page.locator('#connection[data-reloaded="true"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('#connection').innerText()).toContain('断线过久，已重新加载');
      await page.locator(`#stream li[data-alert-id="${gap}"]`).waitFor({ timeout: 5000 });
      expect(board.refetchesSince(mark)).toBeGreaterThan(0);
      await expect.poll(() => figure(page, 'alerts-today'), { timeout: 5000 }).toBe(before + 1);
      // Subscribed again from now: a new alert arrives live, once.
      const next = await ingestAlert('320613006005001', 'LOW');
      await page.locator(`#stream li[data-alert-id="${next}"]`).waitFor({ timeout: 5000 });
      const ids = await streamIds(page);
      expect(ids.filter((id) => id === gap || id === next)).toHaveLength(2);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await hub.database.db.execute(sql`update live_log_horizon set pruned_through = ${horizon!.pruned}::bigint where id = 1`);
      await page.context().close();
    }
  });

  it('asked nothing of another origin, and logged no error (a CSP violation would be one)', () => {
    expect(blocked).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
