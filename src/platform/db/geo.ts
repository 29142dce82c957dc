import { and, gte, isNotNull, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { BadUserInputError } from '../errors.js';

/**
 * Terminology
 * - bbox: a latitude/longitude rectangle, WGS-84 degrees, edges included. `minLng > maxLng`
 *   means the box crosses the antimeridian (180°).
 * - near: a circle of `radiusMeters` around a point; the distance is the great-circle
 *   (haversine) distance on a sphere of the mean Earth radius.
 *
 * There is no PostGIS here: both filters are a range on the indexed `lat`/`lng` columns
 * (the circle's bounding box as a prefilter), and the circle adds the exact haversine test.
 * Rows without a location never match a geographic filter.
 */
interface BoundingBox {
  minLat: number;
  minLng: number;
  maxLat: number;
  maxLng: number;
}

export interface Near {
  lat: number;
  lng: number;
  radiusMeters: number;
}

interface GeoColumns {
  lat: AnyColumn;
  lng: AnyColumn;
}

/** The IUGG mean Earth radius, metres. */
const EARTH_RADIUS_METERS = 6_371_008.8;
/** The widest circle a `near` filter may ask for: 100 km covers a city and its districts. */
export const MAX_RADIUS_METERS = 100_000;

const DEG = Math.PI / 180;

/**
 * PostgreSQL refuses subnormal float8 input (5e-324 is "out of range"); such a value is zero to
 * within 1e-307 of a degree or a metre, so it is sent as zero.
 */
function pgFloat(value: number): number {
  return Math.abs(value) < 2.2250738585072014e-308 ? 0 : value;
}

function checkLat(value: number, field: string): void {
  if (!(Number.isFinite(value) && value >= -90 && value <= 90)) throw new BadUserInputError(`${field} must be a latitude within -90..90`, field);
}
function checkLng(value: number, field: string): void {
  if (!(Number.isFinite(value) && value >= -180 && value <= 180)) throw new BadUserInputError(`${field} must be a longitude within -180..180`, field);
}

/** BAD_USER_INPUT naming the field at fault (`prefix` is where the filter sits, e.g. `filter.near`). */
export function checkBoundingBox(box: BoundingBox, prefix: string): void {
  checkLat(box.minLat, `${prefix}.minLat`);
  checkLat(box.maxLat, `${prefix}.maxLat`);
  checkLng(box.minLng, `${prefix}.minLng`);
  checkLng(box.maxLng, `${prefix}.maxLng`);
  if (box.minLat > box.maxLat) throw new BadUserInputError('minLat must not be greater than maxLat', `${prefix}.minLat`);
}

export function checkNear(near: Near, prefix: string): void {
  checkLat(near.lat, `${prefix}.lat`);
  checkLng(near.lng, `${prefix}.lng`);
  if (!(Number.isFinite(near.radiusMeters) && near.radiusMeters > 0 && near.radiusMeters <= MAX_RADIUS_METERS)) {
    throw new BadUserInputError(`radiusMeters must be greater than 0 and at most ${MAX_RADIUS_METERS}`, `${prefix}.radiusMeters`);
  }
}

/** Great-circle distance in metres (haversine), as the SQL below computes it. */
function haversineMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLng = (b.lng - a.lng) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The rectangle that holds every point within `radiusMeters` of the centre. Longitude is left
 * open (undefined) when the circle reaches a pole or crosses the antimeridian.
 */
function circleBounds(near: Near): { minLat: number; maxLat: number; minLng?: number; maxLng?: number } {
  const dLat = near.radiusMeters / EARTH_RADIUS_METERS / DEG;
  const minLat = Math.max(-90, near.lat - dLat);
  const maxLat = Math.min(90, near.lat + dLat);
  if (minLat <= -90 || maxLat >= 90) return { minLat, maxLat };
  // The widest longitude span is at the latitude farthest from the equator; a little margin for rounding.
  const sinRatio = Math.sin(near.radiusMeters / EARTH_RADIUS_METERS) / Math.cos(near.lat * DEG);
  if (sinRatio >= 1) return { minLat, maxLat };
  const dLng = (Math.asin(sinRatio) / DEG) * 1.000001;
  if (near.lng - dLng < -180 || near.lng + dLng > 180) return { minLat, maxLat };
  return { minLat, maxLat, minLng: near.lng - dLng, maxLng: near.lng + dLng };
}

/** Rows inside the box (edges included); a box with minLng > maxLng wraps around 180°. */
function withinBoundingBox(columns: GeoColumns, given: BoundingBox): SQL {
  const box = { minLat: pgFloat(given.minLat), maxLat: pgFloat(given.maxLat), minLng: pgFloat(given.minLng), maxLng: pgFloat(given.maxLng) };
  // Whether the box wraps is read from the given edges: a subnormal edge sent as zero must not
  // turn a box that crosses 180° (minLng 0, maxLng -5e-324) into the one meridian lng = 0.
  const lng =
    given.minLng <= given.maxLng ? and(gte(columns.lng, box.minLng), lte(columns.lng, box.maxLng)) : or(gte(columns.lng, box.minLng), lte(columns.lng, box.maxLng));
  return and(isNotNull(columns.lat), isNotNull(columns.lng), gte(columns.lat, box.minLat), lte(columns.lat, box.maxLat), lng) as SQL;
}

/** Rows within `radiusMeters` of the point: the circle's box on the indexed columns, then haversine. */
function withinRadius(columns: GeoColumns, given: Near): SQL {
  const near = { lat: pgFloat(given.lat), lng: pgFloat(given.lng), radiusMeters: pgFloat(given.radiusMeters) };
  const bounds = circleBounds(near);
  bounds.minLat = pgFloat(bounds.minLat);
  bounds.maxLat = pgFloat(bounds.maxLat);
  if (bounds.minLng !== undefined) bounds.minLng = pgFloat(bounds.minLng);
  if (bounds.maxLng !== undefined) bounds.maxLng = pgFloat(bounds.maxLng);
  const prefilter: SQL[] = [gte(columns.lat, bounds.minLat), lte(columns.lat, bounds.maxLat)];
  if (bounds.minLng !== undefined && bounds.maxLng !== undefined) prefilter.push(gte(columns.lng, bounds.minLng), lte(columns.lng, bounds.maxLng));
  const lat = near.lat;
  const lng = near.lng;
  const distance = sql`2 * ${EARTH_RADIUS_METERS}::float8 * asin(least(1::float8, sqrt(
      power(sin(radians(${columns.lat} - ${lat}::float8) / 2), 2)
    + cos(radians(${lat}::float8)) * cos(radians(${columns.lat})) * power(sin(radians(${columns.lng} - ${lng}::float8) / 2), 2))))`;
  return and(isNotNull(columns.lat), isNotNull(columns.lng), ...prefilter, sql`${distance} <= ${near.radiusMeters}::float8`) as SQL;
}

/** The geographic part of a filter, checked; an empty list when the filter has none. */
export function geoSql(columns: GeoColumns, filter: { bbox?: BoundingBox | null; near?: Near | null }, prefix = 'filter'): SQL[] {
  const where: SQL[] = [];
  if (filter.bbox) {
    checkBoundingBox(filter.bbox, `${prefix}.bbox`);
    where.push(withinBoundingBox(columns, filter.bbox));
  }
  if (filter.near) {
    checkNear(filter.near, `${prefix}.near`);
    where.push(withinRadius(columns, filter.near));
  }
  return where;
}

/** The same test in memory, for live deliveries: does a point pass the filter's geography? */
export function geoMatches(point: { lat: number | null; lng: number | null }, filter: { bbox?: BoundingBox | null; near?: Near | null }): boolean {
  if (!filter.bbox && !filter.near) return true;
  if (point.lat === null || point.lng === null) return false;
  const { lat, lng } = point as { lat: number; lng: number };
  if (filter.bbox) {
    const b = filter.bbox;
    if (lat < b.minLat || lat > b.maxLat) return false;
    if (b.minLng <= b.maxLng ? lng < b.minLng || lng > b.maxLng : lng < b.minLng && lng > b.maxLng) return false;
  }
  if (filter.near && haversineMeters(filter.near, { lat, lng }) > filter.near.radiusMeters) return false;
  return true;
}
