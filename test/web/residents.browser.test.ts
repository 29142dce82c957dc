import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { collectPageErrors, hasChromium, keepToOrigin, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe, type LiveSubscription } from '../helpers/ws.js';
import { requestLive } from '../../src/modules/requests/request.live.js';
import { data, moveOk, open, U } from '../cases/support.js';
import { TRACKING_CODE } from '../requests/fixtures.js';
import { RATING_LIMITS } from '../../src/modules/requests/index.js';

/**
 * The resident's loop in headless Chromium, against a real hub: an admin makes a channel and
 * takes its QR code's URL; a phone-sized browser opens it, submits, and reads the tracking code;
 * the community's officer hears the request live over WebSocket, replies and closes it; the
 * status page shows 已办结 and the reply; the resident rates it, and staff see the rating. Then
 * the same through a case (closing the case closes the request; the rating reaches caseKpis),
 * the dead-QR and rate-limit answers, and that nothing came from another host.
 */

const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/resident-submit.png', import.meta.url));
/** Submissions and ratings one client may make per 10 minutes: low, so the last test reaches it. */
const PER_CLIENT = 8;

interface Submitted {
  id: string;
  trackingCode: string;
  category: string;
  text: string;
  photoUrl: string | null;
  location: { lat: number; lng: number } | null;
  contactName: string | null;
  contactPhone: string | null;
  address: string | null;
  status: string;
}
const SUBMITTED = /* GraphQL */ `
  subscription { residentRequestSubmitted { id trackingCode category text photoUrl location { lat lng } contactName contactPhone address status } }
`;
const CREATE_CHANNEL = /* GraphQL */ `
  mutation ($input: CreateChannelInput!) { createChannel(input: $input) { token channel { id name } qrCode { url } } }
`;

describe.skipIf(!hasChromium)('the resident loop in Chromium', () => {
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let feed: LiveSubscription<Submitted>;
  const requested: string[] = [];
  const blocked: string[] = [];
  const consoleErrors: string[] = [];
  const startedAt = new Date();

  let qrUrl = '';
  let channelId = '';
  let first: Submitted;

  const staff = <T = Record<string, any>>(as: string, query: string, variables: Record<string, unknown> = {}) => hub.gql<T>(query, variables, { as }).then(data);
  // A string, evaluated in the page: the project's TypeScript has no DOM types.
  const focusedId = () => page.evaluate<string | undefined>('document.activeElement?.id');
  /** Nothing wider than the phone: no sideways scrolling at 360 px. */
  const pageWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');
  const graphqlPosts = () => requested.filter((url) => new URL(url).pathname === '/graphql').length;

  /** Category and text by keyboard: Space picks the first category, arrows move on, Tab leads to the text. */
  async function chooseAndType(category: number, text: string): Promise<void> {
    await page.locator('input[name="category"]').first().focus();
    await page.keyboard.press('Space');
    for (let i = 0; i < category; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('text');
    await page.keyboard.insertText(text);
  }

  /** A fresh load, as a phone that scans the code gets (not a same-document jump to another fragment). */
  async function openFresh(url: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(url);
  }

  async function submitAndReadCode(): Promise<string> {
    await page.getByRole('button', { name: '提交', exact: true }).click();
    await page.locator('#receipt').waitFor({ timeout: 15_000 });
    const shown = await page.locator('#tracking-code').innerText();
    expect(shown).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    return shown.replace(/-/g, '');
  }

  beforeAll(async () => {
    hub = await createTestHub({ env: { RESIDENT_RATE_PER_CLIENT: String(PER_CLIENT) } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const origin = new URL(hub.url).origin;
    // Record every request, and make sure a stray one could never leave the machine.
    await keepToOrigin(context, origin, requested, blocked);
    page = await context.newPage();
    collectPageErrors(page, consoleErrors);
    feed = await subscribe<Submitted>(hub.wsUrl, `Bearer ${await hub.token('shuguang.officer')}`, SUBMITTED);
    const deadline = Date.now() + 10_000;
    while (hub.handle.hub.singles.of(requestLive).subscribers < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }, 120_000);

  afterAll(async () => {
    await feed?.close();
    await browser?.close();
    await hub?.close();
  });

  it("an admin makes a channel for 曙光社区; its QR code carries the submit page's URL with the token in the fragment", async () => {
    const { createChannel } = await staff<{ createChannel: { token: string; channel: { id: string; name: string }; qrCode: { url: string } } }>('city.admin', CREATE_CHANNEL, {
      input: { communityCode: U.shuguang, name: '曙光社区居民服务码' },
    });
    expect(createChannel.qrCode.url).toBe(`${hub.url}/r/#${createChannel.token}`);
    qrUrl = createChannel.qrCode.url;
    channelId = createChannel.channel.id;
  });

  it('the page opened from that URL names the community; a screenshot at 360×740 is kept', async () => {
    await page.goto(qrUrl);
    await expect.poll(() => page.locator('#title').innerText()).toBe('曙光社区');
    expect(await page.locator('#channel-name').innerText()).toBe('曙光社区居民服务码');
    expect(await page.title()).toBe('曙光社区 · 居民服务');
    await chooseAndType(3, '12幢二单元楼道堆满杂物，堵住了消防通道。');
    expect(await page.locator('input[name="category"]:checked').getAttribute('value')).toBe('HAZARD');
    expect(await page.locator('#text-count').innerText()).toBe('21 / 2000 字');
    expect(await pageWidth()).toBe(360);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  it('a missing text is said before anything is sent; a bad phone number comes back from the hub under its field', async () => {
    await page.locator('#text').fill('   ');
    const before = graphqlPosts();
    await page.getByRole('button', { name: '提交', exact: true }).click();
    expect(await page.locator('#error-text').innerText()).toBe('请填写具体内容，1 至 2000 字。');
    expect(await page.locator('#text').getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId()).toBe('text');
    expect(graphqlPosts()).toBe(before);

    await page.locator('#text').fill('12幢二单元楼道堆满杂物，堵住了消防通道。');
    await page.locator('#more-contact summary').click();
    await page.getByLabel('电话').fill('12');
    await page.getByRole('button', { name: '提交', exact: true }).click();
    await page.locator('#error-contactPhone').waitFor();
    expect(await page.locator('#error-contactPhone').innerText()).toBe('电话应为 5 至 20 位数字，可以 + 开头。');
    expect(await page.locator('#error-text').isVisible()).toBe(false);
    expect(await page.getByLabel('电话').getAttribute('aria-invalid')).toBe('true');
    expect(graphqlPosts()).toBe(before + 1);
  });

  it('submits; the page shows the tracking code, and the officer of 曙光社区 hears the request live, contact data in full', async () => {
    await page.getByLabel('电话').fill('138 0000 1234');
    await page.getByLabel('称呼').fill('张三');
    await page.getByLabel('地址').fill('曙光示例小区12幢2单元401室');
    await page.locator('#more-photo summary').click();
    await page.getByLabel('照片链接').fill('https://photos.example.org/fire-passage.jpg');
    await page.getByLabel('纬度').fill('32.0151');
    await page.getByLabel('经度').fill('120.8652');
    const code = await submitAndReadCode();
    expect(code).toMatch(TRACKING_CODE);
    expect(await page.locator('#track-link').getAttribute('href')).toBe(`/r/track?code=${code}`);
    expect(await pageWidth()).toBe(360);

    // The event may have come before the page showed the code: wait for the count, not the next one.
    expect(await feed.waitFor(1, 10_000)).toHaveLength(1);
    first = feed.received[0]!;
    expect(first).toEqual({
      id: expect.any(String),
      trackingCode: code,
      category: 'HAZARD',
      text: '12幢二单元楼道堆满杂物，堵住了消防通道。',
      photoUrl: 'https://photos.example.org/fire-passage.jpg',
      location: { lat: 32.0151, lng: 120.8652 },
      contactName: '张三',
      contactPhone: '13800001234',
      address: '曙光示例小区12幢2单元401室',
      status: 'SUBMITTED',
    });
  });

  it('the officer replies and closes; the status page shows 已办结, the reply and the community, and nothing else of the request', async () => {
    await staff('shuguang.officer', 'mutation ($id: ID!, $reply: String!) { replyResidentRequest(id: $id, reply: $reply) { status } }', {
      id: first.id,
      reply: '已联系物业清理楼道杂物，消防通道已畅通。',
    });
    const { closeResidentRequest } = await staff<{ closeResidentRequest: { status: string } }>('shuguang.officer', 'mutation ($id: ID!) { closeResidentRequest(id: $id) { status } }', { id: first.id });
    expect(closeResidentRequest.status).toBe('CLOSED');

    await page.locator('#track-link').click();
    await page.waitForURL(`**/r/track?code=${first.trackingCode}`);
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 15_000 }).toBe('已办结');
    expect(await page.locator('#reply').innerText()).toBe('已联系物业清理楼道杂物，消防通道已畅通。');
    const facts = await page.locator('.facts').innerText();
    expect(facts).toContain('曙光社区');
    expect(facts).toContain('隐患上报');
    expect(facts).toMatch(/提交时间\s+\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d/);
    expect(facts).toMatch(/回复时间/);
    expect(facts).toMatch(/办结时间/);
    const everything = await page.locator('body').innerText();
    for (const secret of ['张三', '13800001234', '138****1234', '曙光示例小区', '楼道堆满杂物', 'shuguang.officer']) expect(everything).not.toContain(secret);
  });

  it('the resident rates it 5 stars by keyboard; staff read satisfaction 5, and the page offers no second rating', async () => {
    await page.locator('#star-1').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    expect(await page.locator('#star-meaning').innerText()).toBe('5 星：很满意');
    expect(await page.getByLabel('想说的话（可选）').getAttribute('maxlength')).toBe(String(RATING_LIMITS.comment));
    await page.getByLabel('想说的话（可选）').fill('处理很及时，谢谢！');
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.locator('#thanks').waitFor({ timeout: 15_000 });
    expect(await page.locator('#thanks').innerText()).toBe('感谢您的评价！');
    expect(await page.locator('#rated').innerText()).toContain('5 星，很满意');
    expect(await pageWidth()).toBe(360);

    const { residentRequest } = await staff<{ residentRequest: { status: string; satisfaction: number | null; ratingComment: string | null } }>(
      'shuguang.officer',
      'query ($id: ID!) { residentRequest(id: $id) { status satisfaction ratingComment } }',
      { id: first.id },
    );
    expect(residentRequest).toEqual({ status: 'CLOSED', satisfaction: 5, ratingComment: '处理很及时，谢谢！' });

    await page.reload();
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 15_000 }).toBe('已办结');
    expect(await page.locator('#rate-form').count()).toBe(0);
    expect(await page.locator('#rated').innerText()).toContain('5 星');
  });

  it('through a case: IN_CASE shows 已立案办理 with no rating; closing the case closes the request; the rating reaches caseKpis', async () => {
    await openFresh(qrUrl);
    await expect.poll(() => page.locator('#title').innerText()).toBe('曙光社区');
    await chooseAndType(2, '独居老人家中水管爆裂，需要帮忙。');
    const code = await submitAndReadCode();
    expect(await feed.waitFor(2, 10_000)).toHaveLength(2);
    const second = feed.received[1]!;
    expect(second.trackingCode).toBe(code);

    const opened = await open(hub, 'shuguang.officer', { requestId: second.id });
    await page.goto(`${hub.url}/r/track?code=${code.toLowerCase()}`);
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 15_000 }).toBe('已立案办理');
    expect(await page.locator('#rate-form').count()).toBe(0);

    await moveOk(hub, 'shuguang.officer', opened.id, 'REGISTER');
    await moveOk(hub, 'shuguang.officer', opened.id, 'DISPATCH', { assignee: U.hujing });
    await moveOk(hub, 'hujing.grid', opened.id, 'START');
    await moveOk(hub, 'hujing.grid', opened.id, 'RESOLVE', { note: '已关闭总阀并联系维修' });
    await moveOk(hub, 'shuguang.officer', opened.id, 'VERIFY');
    expect((await moveOk(hub, 'shuguang.officer', opened.id, 'CLOSE')).state).toBe('CLOSED');

    // The typed-in form of the code works as well as the link.
    await page.goto(`${hub.url}/r/track`);
    await page.getByLabel('查询码').fill(code.toLowerCase().replace(/(.{4})(?=.)/g, '$1 '));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').innerText(), { timeout: 15_000 }).toBe('已办结');
    expect(new URL(page.url()).search).toBe(`?code=${encodeURIComponent(code.toLowerCase().replace(/(.{4})(?=.)/g, '$1 '))}`);
    // Staff never replied: the hub's own words stand as the reply.
    expect((await page.locator('#reply').innerText()).length).toBeGreaterThan(0);

    await page.locator('label[for="star-4"]').click();
    await page.getByRole('button', { name: '提交评价' }).click();
    await page.locator('#thanks').waitFor({ timeout: 15_000 });

    const { caseKpis } = await staff<{ caseKpis: { closed: number; rated: number; averageSatisfaction: number | null } }>(
      'shuguang.officer',
      'query ($unit: String!, $from: DateTime!, $to: DateTime!) { caseKpis(unitCode: $unit, from: $from, to: $to) { closed rated averageSatisfaction } }',
      { unit: U.shuguang, from: startedAt.toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() },
    );
    expect(caseKpis).toEqual({ closed: 1, rated: 1, averageSatisfaction: 4 });
  });

  it('an unknown code on the status page is said plainly', async () => {
    await page.goto(`${hub.url}/r/track?code=ZZZZZZZZZZZZ`);
    await expect.poll(() => page.locator('#result').innerText(), { timeout: 15_000 }).toContain('没有找到这个查询码');
  });

  it('a revoked channel: the page says the QR code is dead at once; without a token it says to scan the code', async () => {
    await staff('city.admin', 'mutation ($id: ID!) { revokeChannel(id: $id) { active } }', { id: channelId });
    await openFresh(qrUrl);
    await page.locator('#invalid-token').waitFor({ timeout: 15_000 });
    expect(await page.locator('#invalid-token').innerText()).toContain('此二维码已失效');
    expect(await page.locator('#submit-form').isVisible()).toBe(false);

    await page.goto(`${hub.url}/r/`);
    await page.locator('#no-token').waitFor();
    expect(await page.locator('#no-token h2').innerText()).toBe('请扫描社区二维码');
    expect(await page.locator('#submit-form').isVisible()).toBe(false);
  });

  it('past the per-client limit the page says how long to wait', async () => {
    const { createChannel } = await staff<{ createChannel: { qrCode: { url: string } } }>('city.admin', CREATE_CHANNEL, { input: { communityCode: U.shuguang, name: '曙光社区居民服务码（二）' } });
    await openFresh(createChannel.qrCode.url);
    await expect.poll(() => page.locator('#title').innerText()).toBe('曙光社区');
    for (let attempt = 0; attempt <= PER_CLIENT; attempt++) {
      await chooseAndType(0, `增设快递柜 ${attempt}`);
      await page.getByRole('button', { name: '提交', exact: true }).click();
      const outcome = await Promise.race([
        page.locator('#receipt').waitFor({ timeout: 15_000 }).then(() => 'receipt' as const),
        page.locator('#form-error').waitFor({ timeout: 15_000 }).then(() => 'error' as const),
      ]);
      if (outcome === 'error') break;
      await page.getByRole('button', { name: '再提交一条' }).click();
    }
    expect(await page.locator('#form-error').innerText()).toMatch(/^提交太频繁了，请在约 \d+ (秒|分钟|小时)后再试。$/);
  });

  it('loaded everything from the hub and logged no error', () => {
    expect(blocked).toEqual([]);
    expect([...new Set(requested.map((url) => new URL(url).origin))]).toEqual([new URL(hub.url).origin]);
    expect(requested.some((url) => /\/r\/assets\/[0-9a-f]{12}\/common\.js$/.test(url))).toBe(true);
    // CSP violations and failed loads surface as console errors.
    expect(consoleErrors).toEqual([]);
  });
});
