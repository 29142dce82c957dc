import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { alerts, devices } = tables;

/**
 * The geographic filters (`bbox`, `near`) on `devices` and `alerts` against an independent
 * computation here: every row of the table read once, and a haversine written in this file.
 * The SQL answer (totalCount and the first page, in the list's order) must be exactly the rows
 * the test computes; a run with a row within 0.5 m of a circle's edge is discarded (floating
 * point may put it on either side).
 */

const EARTH = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
function distance(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lng - a.lng) / 2) ** 2;
  return 2 * EARTH * Math.asin(Math.min(1, Math.sqrt(h)));
}

interface Row {
  id: string;
  at: number;
  lat: number | null;
  lng: number | null;
}
interface Box {
  minLat: number;
  minLng: number;
  maxLat: number;
  maxLng: number;
}
interface Near {
  lat: number;
  lng: number;
  radiusMeters: number;
}

function inBox(row: Row, b: Box): boolean {
  if (row.lat === null || row.lng === null) return false;
  const lngIn = b.minLng <= b.maxLng ? row.lng >= b.minLng && row.lng <= b.maxLng : row.lng >= b.minLng || row.lng <= b.maxLng;
  return row.lat >= b.minLat && row.lat <= b.maxLat && lngIn;
}

let hub: TestHub;
let deviceRows: Row[];
let alertRows: Row[];

beforeAll(async () => {
  hub = await createTestHub();
  deviceRows = (await hub.database.db.select({ id: devices.id, createdAt: devices.createdAt, lat: devices.lat, lng: devices.lng }).from(devices)).map((r) => ({ id: r.id, at: r.createdAt.getTime(), lat: r.lat, lng: r.lng }));
  alertRows = (await hub.database.db.select({ id: alerts.id, occurredAt: alerts.occurredAt, lat: alerts.lat, lng: alerts.lng }).from(alerts)).map((r) => ({ id: r.id, at: r.occurredAt.getTime(), lat: r.lat, lng: r.lng }));
});
afterAll(async () => {
  await hub?.close();
});

/** Newest first, then id descending: the lists' keyset order. */
const order = (a: Row, b: Row) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const KINDS = [
  { name: 'devices', filterType: 'DeviceFilter', rows: () => deviceRows },
  { name: 'alerts', filterType: 'AlertFilter', rows: () => alertRows },
] as const;

// Around the demo data (Nantong, 32.01 N 120.86 E), and anywhere on Earth now and then.
const lat = fc.oneof(fc.double({ min: 31.9, max: 32.1, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }));
const lng = fc.oneof(fc.double({ min: 120.75, max: 120.98, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }));
const near = fc.record({ lat, lng, radiusMeters: fc.oneof(fc.double({ min: 1, max: 5_000, noNaN: true }), fc.double({ min: 0.001, max: 100_000, noNaN: true })) });
const box = fc
  .record({ a: lat, b: lat, c: lng, d: lng, span: fc.double({ min: 0.0005, max: 0.08, noNaN: true }), local: fc.boolean() })
  .map(({ a, b, c, d, span, local }): Box =>
    local
      ? { minLat: Math.max(-90, a - span), maxLat: Math.min(90, a + span), minLng: Math.max(-180, c - span), maxLng: Math.min(180, c + span) }
      : { minLat: Math.min(a, b), maxLat: Math.max(a, b), minLng: c, maxLng: d },
  );

describe.each(KINDS)('$name: the geographic filter equals the computation here', ({ name, filterType, rows }) => {
  const query = `query Geo($filter: ${filterType}) { ${name}(filter: $filter, first: 100) { totalCount edges { node { id } } } }`;
  async function ask(filter: Record<string, unknown>): Promise<{ totalCount: number; ids: string[] }> {
    const { body } = await hub.gql(query, { filter }, { as: 'city.admin' });
    expect(body.errors).toBeUndefined();
    const connection = body.data![name];
    return { totalCount: connection.totalCount, ids: connection.edges.map((e: { node: { id: string } }) => e.node.id) };
  }
  const expected = (match: (row: Row) => boolean) => {
    const all = rows().filter(match).sort(order);
    return { totalCount: all.length, ids: all.slice(0, 100).map((r) => r.id) };
  };

  it('near: within radiusMeters, by great-circle distance', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(near, async (circle: Near) => {
        fc.pre(rows().every((r) => r.lat === null || r.lng === null || Math.abs(distance(circle, r as { lat: number; lng: number }) - circle.radiusMeters) > 0.5));
        expect(await ask({ near: circle })).toEqual(expected((r) => r.lat !== null && r.lng !== null && distance(circle, r as { lat: number; lng: number }) <= circle.radiusMeters));
      }),
      { numRuns: 30 },
    );
  });

  it('bbox: inside the rectangle, edges included, across 180° when minLng > maxLng', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(box, async (b: Box) => {
        expect(await ask({ bbox: b })).toEqual(expected((r) => inBox(r, b)));
      }),
      { numRuns: 30 },
    );
  });

  it('both together: the rows in both', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(near, box, async (circle: Near, b: Box) => {
        fc.pre(rows().every((r) => r.lat === null || r.lng === null || Math.abs(distance(circle, r as { lat: number; lng: number }) - circle.radiusMeters) > 0.5));
        expect(await ask({ near: circle, bbox: b })).toEqual(
          expected((r) => inBox(r, b) && distance(circle, r as { lat: number; lng: number }) <= circle.radiusMeters),
        );
      }),
      { numRuns: 10 },
    );
  });

  it('a seeded row is found by a 1 m circle around itself and by a zero-area box on it', async () => {
    const row = rows().find((r) => r.lat !== null)!;
    const point = { lat: row.lat!, lng: row.lng! };
    expect((await ask({ near: { ...point, radiusMeters: 1 } })).ids).toContain(row.id);
    expect((await ask({ bbox: { minLat: point.lat, maxLat: point.lat, minLng: point.lng, maxLng: point.lng } })).ids).toContain(row.id);
  });

  it('refuses what is not a place: BAD_USER_INPUT naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ near: { lat: 91, lng: 120, radiusMeters: 10 } }, 'filter.near.lat'],
      [{ near: { lat: 32, lng: -180.5, radiusMeters: 10 } }, 'filter.near.lng'],
      [{ near: { lat: 32, lng: 120, radiusMeters: 0 } }, 'filter.near.radiusMeters'],
      [{ near: { lat: 32, lng: 120, radiusMeters: 100_001 } }, 'filter.near.radiusMeters'],
      [{ bbox: { minLat: 33, maxLat: 32, minLng: 120, maxLng: 121 } }, 'filter.bbox.minLat'],
      [{ bbox: { minLat: 32, maxLat: 90.5, minLng: 120, maxLng: 121 } }, 'filter.bbox.maxLat'],
    ];
    for (const [filter, field] of cases) {
      const { body } = await hub.gql(query, { filter }, { as: 'city.admin' });
      expect(body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([['BAD_USER_INPUT', field]]);
    }
  });

  it('stays within the scope: a street sees only its own rows of the circle', async () => {
    const circle = { lat: 32.0146, lng: 120.8641, radiusMeters: 20_000 };
    const { body } = await hub.gql(`query Geo($filter: ${filterType}) { ${name}(filter: $filter, first: 1) { totalCount } }`, { filter: { near: circle, unitCode: '320613006' } }, { as: 'city.admin' });
    const own = await hub.gql(`query Geo($filter: ${filterType}) { ${name}(filter: $filter, first: 1) { totalCount } }`, { filter: { near: circle } }, { as: 'xuetian.officer' });
    expect(own.body.data![name].totalCount).toBe(body.data![name].totalCount);
    expect(own.body.data![name].totalCount).toBeLessThan(expected((r) => r.lat !== null && distance(circle, r as { lat: number; lng: number }) <= circle.radiusMeters).totalCount);
  });
});
