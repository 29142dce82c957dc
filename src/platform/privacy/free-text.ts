import { maskIdNumber, maskName, maskPhone } from './mask.js';

/**
 * Personal data where no field names it: a phone or ID number typed into free text (a
 * request's text, a case's description, a string in an alert's payload), the keys of a payload
 * its adapter declared personal, and the exact position of a personal record (a resident's
 * request, an elderly resident's alarm button).
 *
 * Terminology
 * - personal key: a payload key whose value is personal data whatever it looks like
 *   (`holderPhone`, `idNumber`, …); a record kind's adapters declare them.
 * - coarsened point: a position rounded to 3 decimals (about 100 m): enough to see which block
 *   it is in, not which door.
 */

/** Chinese resident ID numbers: 17 digits and a check digit or X. */
const ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
/** Mainland mobile numbers, written whole or in 3-4-4 groups (spaces or dashes), with or without +86. */
const MOBILE = /(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g;
/** Landlines with an area code: 0513-85123456, (0513)85123456. */
const LANDLINE = /(?<!\d)\(?0\d{2,3}\)?[- ]?\d{7,8}(?!\d)/g;

/** Phone and ID numbers in a text masked as their fields would be; everything else kept. */
export function maskFreeText(text: string): string {
  return text
    .replace(ID_NUMBER, (m) => maskIdNumber(m))
    .replace(MOBILE, (m) => maskPhone(m.replace(/^\+?86[- ]?/, '').replace(/[- ]/g, '')))
    .replace(LANDLINE, (m) => maskPhone(m.replace(/[-() ]/g, '')));
}

/** Whether a text holds anything maskFreeText would change. */
export function holdsPersonalNumbers(text: string): boolean {
  return maskFreeText(text) !== text;
}

/** The value of a declared personal key, masked: a phone or ID number by its own masking, any other text to its first character. */
function maskPersonalValue(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'string') return typeof value === 'object' ? maskPersonalObject(value) : '****';
  const text = value.trim();
  if (/^\d{17}[\dXx]$/.test(text)) return maskIdNumber(text);
  if (/^[+\d][\d ()-]{5,}$/.test(text)) return maskPhone(text.replace(/[^\d]/g, ''));
  return maskName(text);
}

function maskPersonalObject(value: object): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalValue);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonalValue(v)]));
}

/** Payloads nest at most this deep before what is below is cut (`'…'`): a cycle or an absurd depth must not stop the answer. */
const MAX_DEPTH = 32;

/**
 * A payload with its personal keys masked (compared without case, `_` or `-`) and phone and ID
 * numbers masked in every other string, at any depth. Numbers, booleans and null stay.
 */
export function maskPayload(payload: unknown, personalKeys: ReadonlySet<string>, depth = 0): unknown {
  if (typeof payload === 'string') return maskFreeText(payload);
  if (payload === null || typeof payload !== 'object') return payload;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(payload)) return payload.map((item) => maskPayload(item, personalKeys, depth + 1));
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [key, personalKeys.has(normalKey(key)) ? maskPersonalValue(value) : maskPayload(value, personalKeys, depth + 1)]),
  );
}

/** `holder_phone`, `Holder-Phone` and `holderPhone` name the same key. */
export function normalKey(key: string): string {
  return key.replace(/[-_\s]/g, '').toLowerCase();
}

export function personalKeySet(keys: readonly string[]): ReadonlySet<string> {
  return new Set(keys.map(normalKey));
}

export interface Point {
  lat: number;
  lng: number;
}

/** About 100 m: 3 decimals of latitude are 111 m, of longitude 94 m at Nantong's 32° N. */
export function coarsenPoint<P extends Point>(point: P): P {
  return { ...point, lat: Math.round(point.lat * 1000) / 1000, lng: Math.round(point.lng * 1000) / 1000 };
}
