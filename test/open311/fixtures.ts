import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestHub } from '../helpers/hub.js';
import { residentRequests } from '../../src/modules/requests/index.js';
import { auditLog } from '../../src/modules/audit/index.js';

/**
 * The field names of Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), written out here
 * from the spec rather than taken from the code under test, in the spec's order.
 */
export const SPEC = {
  service: ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'],
  definition: ['service_code', 'attributes'],
  created: ['service_request_id', 'service_notice', 'account_id'],
  request: [
    'service_request_id',
    'status',
    'status_notes',
    'service_name',
    'service_code',
    'description',
    'agency_responsible',
    'service_notice',
    'requested_datetime',
    'updated_datetime',
    'expected_datetime',
    'address',
    'address_id',
    'zipcode',
    'lat',
    'long',
    'media_url',
  ],
  error: ['code', 'description'],
} as const;

/** A W3C date-time with the +08:00 offset the facade answers in. */
export const OPEN311_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;
export const TRACKING_CODE = /^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{12}$/;

export interface Open311Response<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Call {
  query?: Record<string, string | string[]>;
  /** Sent as application/x-www-form-urlencoded (what the spec asks for POST). */
  form?: Record<string, string | string[]>;
  json?: unknown;
  /** A raw body with its content type. */
  raw?: { type: string; body: string };
  /** A demo principal's name: a fresh bearer token for it is sent. */
  as?: string;
  headers?: Record<string, string>;
}

function encode(values: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return params.toString();
}

/** One call to /open311/v2, answered as parsed JSON. */
export async function open311<T = any>(hub: TestHub, method: string, path: string, call: Call = {}): Promise<Open311Response<T>> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.as) headers['authorization'] = `Bearer ${await hub.token(call.as)}`;
  let body: string | undefined;
  if (call.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = encode(call.form);
  } else if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  } else if (call.raw) {
    headers['content-type'] = call.raw.type;
    body = call.raw.body;
  }
  const query = call.query ? `?${encode(call.query)}` : '';
  const base = path.startsWith('/discovery') ? '/open311' : '/open311/v2';
  const response = await fetch(`${hub.url}${base}${path}${query}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  if (path.endsWith('.xml')) {
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    return { status: response.status, headers: response.headers, body: (await response.text()) as T };
  }
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** An Open311 error answer: the status, and every entry `{ code, description }` with nothing else. */
export function faults(response: Open311Response, status: number): { code: number; description: string }[] {
  expect(response.status).toBe(status);
  const body = response.body as { code: number; description: string }[];
  expect(Array.isArray(body)).toBe(true);
  expect(body.length).toBeGreaterThan(0);
  for (const entry of body) {
    expect(Object.keys(entry)).toEqual([...SPEC.error]);
    expect(typeof entry.code).toBe('number');
    expect(typeof entry.description).toBe('string');
  }
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  return body;
}

/** The keys and JSON types of a service request, per the spec (null where a value is absent). */
export function expectRequestShape(request: Record<string, unknown>): void {
  expect(Object.keys(request)).toEqual([...SPEC.request]);
  const strings = ['service_request_id', 'status_notes', 'service_name', 'service_code', 'agency_responsible', 'service_notice', 'requested_datetime', 'updated_datetime'];
  for (const key of strings) expect(typeof request[key], key).toBe('string');
  expect(['open', 'closed']).toContain(request['status']);
  for (const key of ['description', 'expected_datetime', 'address', 'media_url']) expect(request[key] === null || typeof request[key] === 'string', key).toBe(true);
  for (const key of ['lat', 'long']) expect(request[key] === null || typeof request[key] === 'number', key).toBe(true);
  expect(request['address_id']).toBeNull();
  expect(request['zipcode']).toBeNull();
  for (const key of ['requested_datetime', 'updated_datetime']) expect(request[key]).toMatch(OPEN311_TIME);
  if (request['expected_datetime'] !== null) expect(request['expected_datetime']).toMatch(OPEN311_TIME);
}

/** A GraphQL time (`…Z`) as the facade writes it: the same instant at +08:00, to the second. */
export function inShanghai(iso: string): string {
  return `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** How many requests are stored, and how many submissions the audit log holds: neither may move on a refused call. */
export async function writes(hub: TestHub): Promise<{ requests: number; submissions: number }> {
  const [requests] = await hub.database.db.select({ n: sql<number>`count(*)::int` }).from(residentRequests);
  const [submissions] = await hub.database.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(sql`${auditLog.operation} = 'submitResidentRequest'`);
  return { requests: requests!.n, submissions: submissions!.n };
}
