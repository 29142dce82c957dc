import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { tables } from '../../src/tables.js';

const { cases, patrolFindings, patrolReports, residentRequests } = tables;

/**
 * The geographic filters (`bbox`, `near`) on `cases`, `residentRequests` and `patrolReports`
 * against an independent computation here (as test/devices/geo.property.test.ts does for devices
 * and alerts): every row read once from the tables, a haversine written in this file. A patrol
 * report is located by its findings: it matches when one finding passes the whole filter (box
 * and circle together). A run with a point within 0.5 m of a circle's edge is discarded.
 */

const EARTH = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
interface Point {
  lat: number;
  lng: number;
}
function distance(a: Point, b: Point): number {
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lng - a.lng) / 2) ** 2;
  return 2 * EARTH * Math.asin(Math.min(1, Math.sqrt(h)));
}

interface Row {
  id: string;
  at: number;
  /** Where the record is: its own location, or a patrol report's findings' locations. */
  points: Point[];
}
interface Box {
  minLat: number;
  minLng: number;
  maxLat: number;
  maxLng: number;
}
interface Near extends Point {
  radiusMeters: number;
}

function inBox(p: Point, b: Box): boolean {
  const lngIn = b.minLng <= b.maxLng ? p.lng >= b.minLng && p.lng <= b.maxLng : p.lng >= b.minLng || p.lng <= b.maxLng;
  return p.lat >= b.minLat && p.lat <= b.maxLat && lngIn;
}
const inCircle = (p: Point, c: Near) => distance(c, p) <= c.radiusMeters;
const clearOfEdge = (rows: Row[], c: Near) => rows.every((r) => r.points.every((p) => Math.abs(distance(c, p) - c.radiusMeters) > 0.5));

let hub: TestHub;
const rowsOf: Record<string, Row[]> = {};

const located = (lat: number | null, lng: number | null): Point[] => (lat !== null && lng !== null ? [{ lat, lng }] : []);

beforeAll(async () => {
  hub = await createTestHub();
  // The demo has few located requests: the hotline adds 60, around the centre, in 学田 and 文峰.
  const now = Date.now() - 3_600_000;
  const records = Array.from({ length: 60 }, (_, i) => ({
    externalId: `geo-${i}`,
    category: 'HAZARD',
    text: '路面塌陷',
    unitCode: i % 2 ? '320613006001' : '320613008001',
    submittedAt: new Date(now - i * 60_000).toISOString(),
    location: { lat: 32.0146 + Math.sin(i * 1.7) * 0.012, lng: 120.8641 + Math.cos(i * 2.3) * 0.012 },
  }));
  const ingest = await hub.gql(
    'mutation Ingest($input: IngestResidentRequestsInput!) { ingestResidentRequests(input: $input) { accepted rejected } }',
    { input: { source: '12345-hotline', records } },
    { as: '12345-hotline' },
  );
  expect(ingest.body).toEqual({ data: { ingestResidentRequests: { accepted: 60, rejected: 0 } } });
  const db = hub.database.db;
  rowsOf['cases'] = (await db.select({ id: cases.id, at: cases.openedAt, lat: cases.lat, lng: cases.lng }).from(cases)).map((r) => ({
    id: r.id,
    at: r.at.getTime(),
    points: located(r.lat, r.lng),
  }));
  rowsOf['residentRequests'] = (
    await db.select({ id: residentRequests.id, at: residentRequests.submittedAt, lat: residentRequests.lat, lng: residentRequests.lng }).from(residentRequests)
  ).map((r) => ({ id: r.id, at: r.at.getTime(), points: located(r.lat, r.lng) }));
  const findings = await db
    .select({ reportId: patrolReports.id, at: patrolReports.startedAt, lat: patrolFindings.lat, lng: patrolFindings.lng })
    .from(patrolReports)
    .leftJoin(patrolFindings, eq(patrolFindings.reportId, patrolReports.id));
  const reports = new Map<string, Row>();
  for (const f of findings) {
    const row = reports.get(f.reportId) ?? { id: f.reportId, at: f.at.getTime(), points: [] };
    row.points.push(...located(f.lat, f.lng));
    reports.set(f.reportId, row);
  }
  rowsOf['patrolReports'] = [...reports.values()];
}, 120_000);
afterAll(async () => {
  await hub?.close();
});

/** Newest first, then id descending: the lists' keyset order. */
const order = (a: Row, b: Row) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const KINDS = [
  { name: 'cases', filterType: 'CaseFilter' },
  { name: 'residentRequests', filterType: 'ResidentRequestFilter' },
  { name: 'patrolReports', filterType: 'PatrolReportFilter' },
] as const;

// Around the demo data (Nantong, 32.01 N 120.86 E), and anywhere on Earth now and then.
const lat = fc.oneof(fc.double({ min: 31.99, max: 32.03, noNaN: true }), fc.double({ min: 31.9, max: 32.1, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }));
const lng = fc.oneof(fc.double({ min: 120.85, max: 120.88, noNaN: true }), fc.double({ min: 120.75, max: 120.98, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }));
const near = fc.record({ lat, lng, radiusMeters: fc.oneof(fc.double({ min: 1, max: 2_000, noNaN: true }), fc.double({ min: 0.001, max: 100_000, noNaN: true })) });
const box = fc
  .record({ a: lat, b: lat, c: lng, d: lng, span: fc.double({ min: 0.0005, max: 0.01, noNaN: true }), local: fc.boolean() })
  .map(({ a, b, c, d, span, local }): Box =>
    local
      ? { minLat: Math.max(-90, a - span), maxLat: Math.min(90, a + span), minLng: Math.max(-180, c - span), maxLng: Math.min(180, c + span) }
      : { minLat: Math.min(a, b), maxLat: Math.max(a, b), minLng: c, maxLng: d },
  );

describe.each(KINDS)('$name: the geographic filter equals the computation here', ({ name, filterType }) => {
  const rows = () => rowsOf[name]!;
  const query = `query Geo($filter: ${filterType}, $after: String) { ${name}(filter: $filter, first: 100, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
  async function ask(filter: Record<string, unknown>, as = 'city.admin'): Promise<{ totalCount: number; ids: string[] }> {
    const { body } = await hub.gql(query, { filter }, { as });
    expect(body.errors).toBeUndefined();
    const connection = body.data![name];
    return { totalCount: connection.totalCount, ids: connection.edges.map((e: { node: { id: string } }) => e.node.id) };
  }
  /** Every id the principal gets, page after page. */
  async function askAll(filter: Record<string, unknown>, as: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await hub.gql(query, { filter, after }, { as });
      expect(response.body.errors).toBeUndefined();
      const connection: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = response.body.data![name];
      ids.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) return ids;
      after = connection.pageInfo.endCursor;
    }
  }
  const expected = (match: (p: Point) => boolean) => {
    const all = rows()
      .filter((r) => r.points.some(match))
      .sort(order);
    return { totalCount: all.length, ids: all.slice(0, 100).map((r) => r.id) };
  };

  it('the demo data has located records to find', () => {
    expect(rows().filter((r) => r.points.length > 0).length).toBeGreaterThan(20);
  });

  it('near: within radiusMeters, by great-circle distance', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(near, async (circle: Near) => {
        fc.pre(clearOfEdge(rows(), circle));
        expect(await ask({ near: circle })).toEqual(expected((p) => inCircle(p, circle)));
      }),
      { numRuns: 25 },
    );
  });

  it('bbox: inside the rectangle, edges included, across 180° when minLng > maxLng', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(box, async (b: Box) => {
        expect(await ask({ bbox: b })).toEqual(expected((p) => inBox(p, b)));
      }),
      { numRuns: 25 },
    );
  });

  it('both together: one location in both', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(near, box, async (circle: Near, b: Box) => {
        fc.pre(clearOfEdge(rows(), circle));
        expect(await ask({ near: circle, bbox: b })).toEqual(expected((p) => inBox(p, b) && inCircle(p, circle)));
      }),
      { numRuns: 10 },
    );
  });

  it('a seeded record is found by a 1 m circle around its location and by a zero-area box on it', async () => {
    const row = rows().find((r) => r.points.length > 0)!;
    const point = row.points[0]!;
    expect((await ask({ near: { ...point, radiusMeters: 1 } })).ids).toContain(row.id);
    expect((await ask({ bbox: { minLat: point.lat, maxLat: point.lat, minLng: point.lng, maxLng: point.lng } })).ids).toContain(row.id);
  });

  it('refuses what is not a place: BAD_USER_INPUT naming the field', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ near: { lat: 91, lng: 120, radiusMeters: 10 } }, 'filter.near.lat'],
      [{ near: { lat: 32, lng: -180.5, radiusMeters: 10 } }, 'filter.near.lng'],
      [{ near: { lat: 32, lng: 120, radiusMeters: 0 } }, 'filter.near.radiusMeters'],
      [{ near: { lat: 32, lng: 120, radiusMeters: 100_001 } }, 'filter.near.radiusMeters'],
      [{ bbox: { minLat: 33, maxLat: 32, minLng: 120, maxLng: 121 } }, 'filter.bbox.minLat'],
      [{ bbox: { minLat: 32, maxLat: 90.5, minLng: 120, maxLng: 121 } }, 'filter.bbox.maxLat'],
    ];
    for (const [filter, field] of bad) {
      const { body } = await hub.gql(query, { filter }, { as: 'city.admin' });
      expect(body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['field']])).toEqual([['BAD_USER_INPUT', field]]);
    }
  });

  it('a geo filter only narrows: another street gets its own records of the circle, none of the city’s others', { timeout: 120_000 }, async () => {
    // A circle over the whole demo area: the city sees more in it than 文峰 does.
    const circle = { lat: 32.0146, lng: 120.8641, radiusMeters: 20_000 };
    const inside = new Set(rows().filter((r) => r.points.some((p) => inCircle(p, circle))).map((r) => r.id));
    const own = await askAll({}, 'wenfeng.officer');
    const ownInCircle = own.filter((id) => inside.has(id));
    const geo = await askAll({ near: circle }, 'wenfeng.officer');
    expect(geo).toEqual(ownInCircle);
    expect(geo.length).toBeLessThan(inside.size);
    // And the same for a box.
    const b = { minLat: 31.99, maxLat: 32.03, minLng: 120.84, maxLng: 120.89 };
    const inBoxIds = new Set(rows().filter((r) => r.points.some((p) => inBox(p, b))).map((r) => r.id));
    expect(await askAll({ bbox: b }, 'wenfeng.officer')).toEqual(own.filter((id) => inBoxIds.has(id)));
  });

  it('a principal who may read none of them is still refused with a geo filter', async () => {
    const circle = { lat: 32.0146, lng: 120.8641, radiusMeters: 20_000 };
    const plain = await hub.gql(query, { filter: {} }, { as: 'iot-platform' });
    const geo = await hub.gql(query, { filter: { near: circle } }, { as: 'iot-platform' });
    expect(plain.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(geo.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(geo.body.data).toEqual(plain.body.data);
  });
});
