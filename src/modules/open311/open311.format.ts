import { XMLBuilder } from 'fast-xml-parser';
import { Open311Error } from './open311.error.js';

/**
 * GeoReport v2's two formats: the path's extension picks one (`/services.xml`, `/services.json`).
 * XML is the one the spec requires; JSON is the same documents as arrays and objects.
 */
export type Open311Format = 'json' | 'xml';

/**
 * What an answer is, which names its XML root and item elements: a list of services, a service
 * definition, the answer to a POST or a list of requests (both `service_requests`), a list of
 * errors, or the discovery document.
 */
export type Open311Document = 'services' | 'definition' | 'requests' | 'errors' | 'discovery';

const XML_NAMES: Readonly<Record<Exclude<Open311Document, 'definition' | 'discovery'>, readonly [root: string, item: string]>> = {
  services: ['services', 'service'],
  requests: ['service_requests', 'request'],
  errors: ['errors', 'error'],
};

/** The extension of a path (`json`, `xml`); anything else is a 400 answered in JSON. */
export function formatOf(extension: unknown): Open311Format {
  const format = String(extension ?? '');
  if (format === 'json' || format === 'xml') return format;
  throw Open311Error.of(400, `Ask for .xml or .json, not .${format}`);
}

/** The format of a path this API does not serve, for its 404: XML when it ends in .xml, else JSON. */
export function formatOfPath(path: string): Open311Format {
  return path.endsWith('.xml') ? 'xml' : 'json';
}

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true, processEntities: true });

/**
 * A value as XML builder input: null and empty lists become empty elements (`<address/>`), a
 * list of scalars under a plural name repeats its singular (`<formats><format>…</format></formats>`),
 * and numbers and booleans become text.
 */
function xmlValue(name: string, value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    const item = name.endsWith('s') ? name.slice(0, -1) : 'item';
    return { [item]: value.map((v) => xmlValue(item, v)) };
  }
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, xmlValue(k, v)]));
  return String(value);
}

function xmlOf(document: Open311Document, body: unknown): string {
  let tree: Record<string, unknown>;
  if (document === 'definition') tree = { service_definition: xmlValue('service_definition', body) };
  else if (document === 'discovery') tree = { discovery: xmlValue('discovery', body) };
  else {
    const [root, item] = XML_NAMES[document];
    const items = (body as readonly unknown[]).map((entry) => xmlValue(item, entry));
    tree = { [root]: items.length === 0 ? '' : { [item]: items } };
  }
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, ...tree }) as string;
}

/** The response body and its content type, in the format asked for. */
export function render(format: Open311Format, document: Open311Document, body: unknown): { type: string; text: string } {
  if (format === 'xml') return { type: 'text/xml; charset=utf-8', text: xmlOf(document, body) };
  return { type: 'application/json; charset=utf-8', text: JSON.stringify(body) };
}
