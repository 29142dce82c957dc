import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { RATING_LIMITS, REQUEST_CATEGORIES, REQUEST_LIMITS, REQUEST_STATUSES } from '../../src/modules/requests/index.js';
import { STATUS_PAGE_PATH, SUBMIT_PAGE_PATH } from '../../src/modules/channels/index.js';
import { CATEGORY_LABELS, RATING_LABELS, STATUS_LABELS } from '../../src/web/resident-pages.js';

/**
 * The resident pages over plain HTTP: the headers that keep them local and cacheable, the limits
 * they get from the server (never copied by hand), and the versioned assets. What they do in a
 * browser is test/web/residents.browser.test.ts.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${hub.url}${path}`, { headers, redirect: 'manual' });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

const pageData = (html: string) => JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(html)![1]!);
/** Every src and href of the document. */
const references = (html: string) => [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);

describe.each([
  // The paths QR codes and the status link are made of (channel.qr.ts), and /r without the slash.
  [SUBMIT_PAGE_PATH, 'submit.js'],
  ['/r', 'submit.js'],
  [STATUS_PAGE_PATH, 'track.js'],
])('GET %s', (path, script) => {
  it('is Chinese, phone-sized, with a strict CSP, no inline script and nothing from another host', async () => {
    const page = await get(path);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'cache-control': 'no-cache',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'permissions-policy': 'geolocation=(self), camera=(), microphone=()',
    });
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    // Scripts: the JSON data block (never executed) and one module from this origin.
    const scripts = [...page.body.matchAll(/<script([^>]*)>(.*?)<\/script>/gs)].map((m) => ({ attributes: m[1]!.trim(), inline: m[2]!.trim() !== '' }));
    expect(scripts).toEqual([
      { attributes: 'type="application/json" id="page-data"', inline: true },
      { attributes: expect.stringMatching(new RegExp(`^type="module" src="/r/assets/[0-9a-f]{12}/${script.replace('.', '\\.')}"$`)), inline: false },
    ]);
    for (const reference of references(page.body)) expect(reference).toMatch(/^(\/r\/|data:,$)/);
  });
});

describe('the page data', () => {
  it('carries REQUEST_LIMITS, RATING_LIMITS and every category and status label, and the inputs take their limits from it', async () => {
    const { body } = await get('/r/');
    expect(pageData(body)).toEqual({
      graphqlPath: '/graphql',
      base: '/r',
      limits: REQUEST_LIMITS,
      rating: { ...RATING_LIMITS, labels: RATING_LABELS },
      categories: Object.fromEntries(REQUEST_CATEGORIES.map((c) => [c, CATEGORY_LABELS[c].label])),
      statuses: Object.fromEntries(REQUEST_STATUSES.map((s) => [s, STATUS_LABELS[s]])),
    });
    expect(pageData((await get('/r/track')).body)).toEqual(pageData(body));
    expect(body).toContain(`data-max="${REQUEST_LIMITS.text}"`);
    expect(body).toContain(`/ ${REQUEST_LIMITS.text} 字`);
    expect(body).toMatch(new RegExp(`id="photoUrl"[^>]* maxlength="${REQUEST_LIMITS.photoUrl}"`));
    expect(body).toMatch(new RegExp(`id="contactName"[^>]* maxlength="${REQUEST_LIMITS.contactName}"`));
    expect(body).toMatch(new RegExp(`id="address"[^>]* maxlength="${REQUEST_LIMITS.address}"`));
    for (const category of REQUEST_CATEGORIES) expect(body).toContain(`<input type="radio" name="category" value="${category}"`);
  });
});

describe('assets', () => {
  it('are served under a content version, cached for good; another version is 404 and not cached', async () => {
    const { body } = await get('/r/');
    const css = references(body).find((r) => r.endsWith('/resident.css'))!;
    const base = css.slice(0, -'resident.css'.length);
    const expected = { 'resident.css': 'text/css; charset=utf-8', 'submit.js': 'text/javascript; charset=utf-8', 'track.js': 'text/javascript; charset=utf-8', 'common.js': 'text/javascript; charset=utf-8' };
    for (const [name, type] of Object.entries(expected)) {
      const asset = await get(`${base}${name}`);
      expect({ name, status: asset.status, type: asset.headers['content-type'], cache: asset.headers['cache-control'] }).toEqual({
        name,
        status: 200,
        type,
        cache: 'public, max-age=31536000, immutable',
      });
    }
    // The entry modules import their sibling by a relative path, which resolves under the same version.
    expect((await get(`${base}submit.js`)).body).toContain("from './common.js'");
    expect((await get(`${base}track.js`)).body).toContain("from './common.js'");

    const stale = await get('/r/assets/000000000000/submit.js');
    expect({ status: stale.status, cache: stale.headers['cache-control'] }).toEqual({ status: 404, cache: 'no-store' });
    expect((await get(`${base}server.ts`)).status).toBe(404);
    expect((await get(`${base}..%2Fresident-pages.ts`)).status).toBe(404);
  });

  it('a page asked again with its ETag answers 304', async () => {
    const first = await get('/r/track');
    // node:http, not fetch: fetch adds `cache-control: no-cache` to a conditional request, and the server then answers in full.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${hub.url}/r/track`, { headers: { 'if-none-match': first.headers['etag']! } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(304);
  });
});
