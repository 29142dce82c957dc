// The resident's pages, served by the hub: the submit page a community's QR code opens
// (`/r/#ghc_…`) and the status page of a tracking code (`/r/track?code=…`). Plain HTML, one
// stylesheet and small ES modules under ./resident/, all from this origin: the hub runs on
// intranets with no internet, and a resident has nothing but a phone.
//
// Terminology
// - page data: what the server tells the page's script in a `<script type="application/json">`
//   block (never executed, so the CSP needs no inline script): field limits from REQUEST_LIMITS,
//   the Chinese labels of categories and statuses, the GraphQL path. Limits are never copied
//   into the page's script by hand.
// - asset version: a hash over every asset; assets are served under /assets/<version>/ and
//   cached for good, while the HTML is revalidated on every load, so a new version reaches
//   phones at once.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Router, type Request, type Response } from 'express';
import { invariant } from '../platform/invariant.js';
import { RATING_LIMITS, REQUEST_CATEGORIES, REQUEST_LIMITS, REQUEST_STATUSES, type RequestCategoryName, type RequestStatusName } from '../modules/requests/index.js';

interface ResidentPagesOptions {
  /** Path of the GraphQL endpoint on this origin, e.g. `/graphql`. */
  readonly graphqlPath: string;
}

/** What a resident may send, in the words the page uses. */
export const CATEGORY_LABELS: Readonly<Record<RequestCategoryName, { label: string; hint: string }>> = {
  SUGGESTION: { label: '建议', hint: '对社区的想法' },
  COMPLAINT: { label: '投诉', hint: '让您困扰的问题' },
  HELP: { label: '求助', hint: '需要帮忙的事' },
  HAZARD: { label: '隐患上报', hint: '消防通道、井盖等危险' },
};

/** Where a request stands, as the status page says it. */
export const STATUS_LABELS: Readonly<Record<RequestStatusName, string>> = {
  SUBMITTED: '已提交',
  REPLIED: '已回复',
  IN_CASE: '已立案办理',
  CLOSED: '已办结',
};

/** What each rating means, from RATING_LIMITS.min (1 star) to RATING_LIMITS.max. */
export const RATING_LABELS = ['很不满意', '不满意', '一般', '满意', '很满意'] as const;
invariant(RATING_LABELS.length === RATING_LIMITS.max - RATING_LIMITS.min + 1, 'one rating label per star of RATING_LIMITS');

const ASSET_TYPES: Readonly<Record<string, string>> = {
  'resident.css': 'text/css; charset=utf-8',
  'common.js': 'text/javascript; charset=utf-8',
  'submit.js': 'text/javascript; charset=utf-8',
  'track.js': 'text/javascript; charset=utf-8',
};

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

function loadAssets(): { version: string; assets: ReadonlyMap<string, Asset> } {
  const hash = createHash('sha256');
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(ASSET_TYPES)) {
    const body = readFileSync(new URL(`./resident/${name}`, import.meta.url));
    hash.update(name).update('\0').update(body).update('\0');
    assets.set(name, { body, contentType });
  }
  return { version: hash.digest('hex').slice(0, 12), assets };
}

// Everything from this origin; geolocation only for this origin. 'self' in connect-src covers
// the fetch to /graphql; a photo URL a resident types is never loaded by the page.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'Content-Security-Policy': CSP,
  // The status page's URL holds the tracking code: it is sent to no other site.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'geolocation=(self), camera=(), microphone=()',
  // Small and the same for every resident: revalidated on each load (express answers 304 by ETag).
  'Cache-Control': 'no-cache',
} as const;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON inside a `<script>` element: `<` escaped so the text can never close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

interface PageParts {
  readonly base: string;
  readonly assets: string;
  readonly graphqlPath: string;
}

function pageData(parts: PageParts) {
  return {
    graphqlPath: parts.graphqlPath,
    base: parts.base,
    limits: REQUEST_LIMITS,
    rating: { ...RATING_LIMITS, labels: RATING_LABELS },
    categories: Object.fromEntries(REQUEST_CATEGORIES.map((c) => [c, CATEGORY_LABELS[c].label])),
    statuses: Object.fromEntries(REQUEST_STATUSES.map((s) => [s, STATUS_LABELS[s]])),
  };
}

function shell(parts: PageParts, title: string, script: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(`${parts.assets}/resident.css`)}">
<script type="application/json" id="page-data">${scriptJson(pageData(parts))}</script>
<script type="module" src="${escapeHtml(`${parts.assets}/${script}`)}"></script>
</head>
<body>
${body}
<noscript><p class="notice">本页需要启用 JavaScript。也可拨打社区电话反映问题。</p></noscript>
</body>
</html>
`;
}

function submitPage(parts: PageParts): string {
  const { text, photoUrl, address, contactName, phoneDigits } = REQUEST_LIMITS;
  const categories = REQUEST_CATEGORIES.map(
    (c, i) => `<label class="choice">
        <input type="radio" name="category" value="${c}"${i === 0 ? ' required' : ''}>
        <span class="choice-label">${escapeHtml(CATEGORY_LABELS[c].label)}</span>
        <span class="choice-hint">${escapeHtml(CATEGORY_LABELS[c].hint)}</span>
      </label>`,
  );
  return shell(
    parts,
    '居民服务 · 提交诉求',
    'submit.js',
    `<header class="top">
  <p class="slogan">您“码”上说，我马上办</p>
  <h1 id="title">社区居民服务</h1>
  <p id="channel-name" class="sub" hidden></p>
</header>
<main>
  <section id="no-token" class="notice" hidden>
    <h2>请扫描社区二维码</h2>
    <p>本页需要从社区张贴的“居民服务码”打开：请用手机扫描二维码，扫码后的地址里带有社区的服务码。</p>
    <p>已提交过诉求？<a href="${escapeHtml(`${parts.base}/track`)}">查询办理进度</a></p>
  </section>
  <section id="invalid-token" class="notice" role="alert" hidden>
    <h2>此二维码已失效</h2>
    <p>此二维码已失效：社区已更换或停用了这个服务码。请扫描社区最新张贴的二维码，或联系社区工作人员。</p>
  </section>

  <form id="submit-form" novalidate hidden>
    <fieldset class="choices" id="category-field" aria-describedby="error-category">
      <legend>您要反映的是</legend>
      ${categories.join('\n      ')}
      <p class="field-error" id="error-category" hidden></p>
    </fieldset>

    <div class="field">
      <label for="text">具体内容 <span class="required">必填</span></label>
      <textarea id="text" name="text" rows="6" data-max="${text}" aria-describedby="text-count error-text" placeholder="请写明什么事、在哪里、什么时候"></textarea>
      <p class="counter" id="text-count"><span id="text-used">0</span> / ${text} 字</p>
      <p class="field-error" id="error-text" hidden></p>
    </div>

    <details class="more" id="more-photo">
      <summary>照片和位置（可选）</summary>
      <div class="field">
        <label for="photoUrl">照片链接</label>
        <input id="photoUrl" name="photoUrl" type="url" inputmode="url" maxlength="${photoUrl}" autocomplete="off" placeholder="https://…" aria-describedby="error-photoUrl">
        <p class="field-error" id="error-photoUrl" hidden></p>
      </div>
      <div class="field">
        <span class="label" id="location-label">位置</span>
        <button type="button" class="secondary" id="locate">使用我当前的位置</button>
        <p class="hint" id="locate-status" aria-live="polite"></p>
        <div class="pair" role="group" aria-labelledby="location-label">
          <div>
            <label for="lat">纬度</label>
            <input id="lat" name="lat" type="text" inputmode="decimal" autocomplete="off" placeholder="如 32.0151" aria-describedby="error-location">
          </div>
          <div>
            <label for="lng">经度</label>
            <input id="lng" name="lng" type="text" inputmode="decimal" autocomplete="off" placeholder="如 120.8652" aria-describedby="error-location">
          </div>
        </div>
        <p class="field-error" id="error-location" hidden></p>
      </div>
    </details>

    <details class="more" id="more-contact">
      <summary>联系方式（可选）</summary>
      <p class="hint" id="contact-note">联系方式只有本社区的工作人员能看到完整内容，以便回访；街道及以上部门只看到遮挡后的信息（如 张*、138****1234），查询进度的页面不会显示。</p>
      <div class="field">
        <label for="contactName">称呼</label>
        <input id="contactName" name="contactName" type="text" maxlength="${contactName}" autocomplete="name" aria-describedby="contact-note error-contactName">
        <p class="field-error" id="error-contactName" hidden></p>
      </div>
      <div class="field">
        <label for="contactPhone">电话</label>
        <input id="contactPhone" name="contactPhone" type="tel" inputmode="tel" maxlength="${phoneDigits.max * 2}" autocomplete="tel" aria-describedby="contact-note error-contactPhone">
        <p class="field-error" id="error-contactPhone" hidden></p>
      </div>
      <div class="field">
        <label for="address">地址</label>
        <input id="address" name="address" type="text" maxlength="${address}" autocomplete="street-address" placeholder="如 12幢2单元401室" aria-describedby="contact-note error-address">
        <p class="field-error" id="error-address" hidden></p>
      </div>
    </details>

    <p class="form-error" id="form-error" role="alert" hidden></p>
    <button type="submit" class="primary" id="send">提交</button>
  </form>

  <section id="receipt" class="receipt" tabindex="-1" aria-labelledby="receipt-title" hidden>
    <h2 id="receipt-title">已提交，谢谢您！</h2>
    <p>您的查询码：</p>
    <p class="code" id="tracking-code"></p>
    <p>请截图或抄下查询码，凭它查看社区的回复和办理进度。</p>
    <a class="button primary" id="track-link" href="${escapeHtml(`${parts.base}/track`)}">查看办理进度</a>
    <button type="button" class="secondary" id="again">再提交一条</button>
  </section>
</main>`,
  );
}

function trackPage(parts: PageParts): string {
  return shell(
    parts,
    '居民服务 · 办理进度',
    'track.js',
    `<header class="top">
  <p class="slogan">您“码”上说，我马上办</p>
  <h1>办理进度查询</h1>
</header>
<main>
  <form id="track-form" novalidate>
    <div class="field">
      <label for="code">查询码</label>
      <input id="code" name="code" type="text" class="code-input" maxlength="40" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="提交后得到的 12 位查询码" aria-describedby="error-code">
      <p class="field-error" id="error-code" hidden></p>
    </div>
    <button type="submit" class="primary" id="lookup">查询</button>
  </form>
  <section id="result" aria-live="polite"></section>
  <p class="foot"><a href="${escapeHtml(`${parts.base}/`)}">提交新的诉求请扫描社区二维码</a></p>
</main>`,
  );
}

/** `/` (the submit page), `/track` (the status page) and their assets, mounted where the caller likes (`/r`). */
export function residentPagesRouter(options: ResidentPagesOptions): Router {
  const router = Router();
  const { version, assets } = loadAssets();
  // Rendered once per mount path: the pages differ only by where they are mounted.
  const rendered = new Map<string, { submit: string; track: string }>();
  const pagesFor = (base: string) => {
    let pages = rendered.get(base);
    if (!pages) {
      const parts = { base, assets: `${base}/assets/${version}`, graphqlPath: options.graphqlPath };
      pages = { submit: submitPage(parts), track: trackPage(parts) };
      rendered.set(base, pages);
    }
    return pages;
  };
  const send = (res: Response, html: string) => {
    res.set(PAGE_HEADERS).type('html').send(html);
  };

  // '/' answers /r and /r/ alike; links and assets are absolute from the mount point.
  router.get('/', (req: Request, res: Response) => send(res, pagesFor(req.baseUrl).submit));
  router.get('/track', (req: Request, res: Response) => send(res, pagesFor(req.baseUrl).track));
  router.get('/assets/:version/:name', (req: Request<{ version: string; name: string }>, res: Response) => {
    const asset = req.params.version === version ? assets.get(req.params.name) : undefined;
    if (!asset) {
      // An asset of an older version (a page cached before a restart): reload the page for the new one.
      res.status(404).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).type('text').send('not found');
      return;
    }
    res
      .set({ 'Content-Type': asset.contentType, 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' })
      .send(asset.body);
  });
  return router;
}
