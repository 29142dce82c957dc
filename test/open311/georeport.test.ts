import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { faults, open311, writes } from './fixtures.js';

/**
 * GeoReport v2 as its clients expect it: every endpoint in XML (the format the spec requires)
 * and JSON, the service discovery document, and POSTs only from the hub's own pages and the
 * origins it lists. No maintained Open311 client installs from the npm registry, so the spec's
 * documents are the fixtures: examples/ holds one of each, written to the spec's element names
 * and order, and every answer must have the same shape.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ env: { CORS_ORIGINS: 'https://dept.example.gov.cn' } });
});
afterAll(() => hub?.close());

const example = (name: string) => readFileSync(new URL(`./examples/${name}`, import.meta.url), 'utf8');

/** An element tree as the sequence of its element names, nested; a repeated element counts once (its first). */
type Shape = { [name: string]: Shape } | string;
const ordered = new XMLParser({ preserveOrder: true, ignoreDeclaration: true, parseTagValue: false });
function shapeOf(xml: string): Shape {
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
  const walk = (nodes: Record<string, unknown>[]): Shape => {
    const elements = nodes.filter((n) => !('#text' in n));
    if (elements.length === 0) return 'text';
    const shape: Record<string, Shape> = {};
    for (const node of elements) {
      const name = Object.keys(node).find((k) => k !== ':@') as string;
      if (!(name in shape)) shape[name] = walk(node[name] as Record<string, unknown>[]);
    }
    return shape;
  };
  return walk(ordered.parse(xml) as Record<string, unknown>[]);
}
/** The names in document order, for comparing order (keys of `Shape` keep insertion order). */
const names = (shape: Shape): unknown => (typeof shape === 'string' ? shape : Object.entries(shape).map(([k, v]) => [k, names(v)]));

/** An empty element is a leaf like a text one: `<account_id/>` in one and `<account_id>x</account_id>` in the other agree. */
function leaves(shape: Shape): unknown {
  if (typeof shape === 'string') return 'leaf';
  return Object.entries(shape).map(([k, v]) => [k, leaves(v)]);
}

const plain = new XMLParser({ parseTagValue: false, ignoreDeclaration: true, isArray: (name) => ['service', 'request', 'error', 'endpoint', 'format'].includes(name) });
/** A JSON answer as its XML twin reads: null → '', numbers and booleans → text, lists under their item names. */
function asXmlValues(value: unknown): unknown {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map(asXmlValues);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, k === 'formats' ? { format: v } : k === 'endpoints' ? { endpoint: asXmlValues(v) } : asXmlValues(v)]));
  return String(value);
}

describe('XML for every endpoint, shaped as the spec’s documents', () => {
  it('GET services.xml and services/{code}.xml', async () => {
    const services = await open311<string>(hub, 'GET', '/services.xml');
    expect(services.status).toBe(200);
    expect(names(shapeOf(services.body))).toEqual(names(shapeOf(example('services.xml'))));
    const json = await open311<unknown[]>(hub, 'GET', '/services.json');
    expect(plain.parse(services.body).services.service).toEqual(asXmlValues(json.body));

    const definition = await open311<string>(hub, 'GET', '/services/hazard.xml');
    expect(definition.status).toBe(200);
    expect(names(shapeOf(definition.body))).toEqual(names(shapeOf(example('service-definition.xml'))));
    expect(plain.parse(definition.body).service_definition).toEqual({ service_code: 'hazard', attributes: '' });
  });

  it('POST requests.xml files as requests.json does, and answers the spec’s document', async () => {
    const before = await writes(hub);
    const posted = await open311<string>(hub, 'POST', '/requests.xml', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'help', description: '独居老人家中水管漏水，需要帮忙联系维修。' } });
    expect(posted.status).toBe(201);
    expect(leaves(shapeOf(posted.body))).toEqual(leaves(shapeOf(example('post-request.xml'))));
    const [created] = plain.parse(posted.body).service_requests.request;
    expect(created.service_request_id).toMatch(/^[23456789A-Z]{12}$/);
    expect(await writes(hub)).toEqual({ requests: before.requests + 1, submissions: before.submissions + 1 });

    const one = await open311<string>(hub, 'GET', `/requests/${created.service_request_id}.xml`);
    expect(one.status).toBe(200);
    expect(leaves(shapeOf(one.body))).toEqual(leaves(shapeOf(example('requests.xml'))));
    const json = await open311<unknown[]>(hub, 'GET', `/requests/${created.service_request_id}.json`);
    expect(plain.parse(one.body).service_requests.request).toEqual(asXmlValues(json.body));
  });

  it('GET requests.xml, for staff and for the public listing: the same documents as JSON', async () => {
    for (const as of ['xuetian.officer', undefined]) {
      const xml = await open311<string>(hub, 'GET', '/requests.xml', { ...(as ? { as } : {}), query: { status: 'open' } });
      const json = await open311<unknown[]>(hub, 'GET', '/requests.json', { ...(as ? { as } : {}), query: { status: 'open' } });
      expect(xml.status).toBe(200);
      expect(json.body.length).toBeGreaterThan(0);
      expect(leaves(shapeOf(xml.body))).toEqual(leaves(shapeOf(example('requests.xml'))));
      expect(plain.parse(xml.body).service_requests.request).toEqual(asXmlValues(json.body));
    }
  });

  it('errors in XML: the spec’s <errors> document with every fault, and the same statuses', async () => {
    const refused = await open311<string>(hub, 'POST', '/requests.xml', { form: { api_key: 'ghc_not-a-token', service_code: 'help', description: '求助' } });
    expect(refused.status).toBe(403);
    expect(names(shapeOf(refused.body))).toEqual(names(shapeOf(example('errors.xml'))));
    const several = await open311<string>(hub, 'POST', '/requests.xml', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'help', lat: 'north', description: '' } });
    expect(several.status).toBe(400);
    const json = faults(await open311(hub, 'POST', '/requests.json', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'help', lat: 'north', description: '' } }), 400);
    expect(plain.parse(several.body).errors.error).toEqual(asXmlValues(json));
    const missing = await open311<string>(hub, 'GET', '/nothing/here.xml');
    expect(missing.status).toBe(404);
    expect(names(shapeOf(missing.body))).toEqual(names(shapeOf(example('errors.xml'))));
  });

  it('text is escaped, never markup: a description with <, & and quotes reads back as sent', async () => {
    const description = '<b>楼道</b> & "消防通道" 堵塞 </description><x>';
    const posted = await open311<{ service_request_id: string }[]>(hub, 'POST', '/requests.json', { form: { api_key: DEMO_CHANNEL_TOKEN, service_code: 'hazard', description } });
    expect(posted.status).toBe(201);
    const xml = await open311<string>(hub, 'GET', `/requests/${posted.body[0]!.service_request_id}.xml`, { as: 'shuguang.officer' });
    expect(XMLValidator.validate(xml.body)).toBe(true);
    expect(xml.body).toContain('&lt;b&gt;楼道&lt;/b&gt; &amp;');
    expect(xml.body).not.toContain('<x>');
    expect(plain.parse(xml.body).service_requests.request[0].description).toBe(description);
  });
});

describe('service discovery', () => {
  it('GET /open311/discovery.json and .xml: the spec’s document, naming the GeoReport v2 endpoint at PUBLIC_URL in both formats', async () => {
    const json = await open311<Record<string, any>>(hub, 'GET', '/discovery.json');
    expect(json.status).toBe(200);
    const spec = JSON.parse(example('discovery.json'));
    expect(Object.keys(json.body)).toEqual(Object.keys(spec));
    expect(Object.keys(json.body['endpoints'][0])).toEqual(Object.keys(spec.endpoints[0]));
    expect(json.body['endpoints']).toEqual([
      { specification: 'http://wiki.open311.org/GeoReport_v2', url: `${hub.handle.hub.config.publicUrl}/open311/v2`, changeset: json.body['changeset'], type: 'production', formats: ['text/xml', 'application/json'] },
    ]);
    expect(Date.parse(json.body['changeset'])).not.toBeNaN();

    const xml = await open311<string>(hub, 'GET', '/discovery.xml');
    expect(names(shapeOf(xml.body))).toEqual(names(shapeOf(example('discovery.xml'))));
    expect(plain.parse(xml.body).discovery).toEqual(asXmlValues(json.body));

    // The endpoint it names answers.
    const services = await fetch(`${json.body['endpoints'][0].url.replace(hub.handle.hub.config.publicUrl, hub.url)}/services.xml`);
    expect(services.status).toBe(200);
  });
});

describe('POSTs from web pages: only the hub’s own and CORS_ORIGINS', () => {
  const form = { api_key: DEMO_CHANNEL_TOKEN, service_code: 'suggestion', description: '建议在小区门口增设非机动车停放区。' };

  it('a form posted from another site’s page is refused 403 and writes nothing; JSON from one too', async () => {
    const before = await writes(hub);
    for (const origin of ['https://evil.example.com', 'null', 'http://localhost:1']) {
      const refused = faults(await open311(hub, 'POST', '/requests.json', { form, headers: { origin } }), 403);
      expect(refused[0]!.description).toContain(origin);
      faults(await open311(hub, 'POST', '/requests.json', { json: form, headers: { origin } }), 403);
    }
    expect(await writes(hub)).toEqual(before);
  });

  it('from the hub’s own pages, from a listed origin, and from clients that are no browser (no Origin): filed', async () => {
    const own = new URL(hub.url).origin;
    const sent: Record<string, string>[] = [{ origin: own }, { origin: 'https://dept.example.gov.cn' }, {}];
    for (const headers of sent) {
      const response = await open311(hub, 'POST', '/requests.json', { form, headers });
      expect(response.status, JSON.stringify(headers)).toBe(201);
    }
  });
});
