import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestHub, dbKind, type GqlResponse, type TestHub } from '../helpers/hub.js';

/**
 * ingestAlerts and acknowledgeAlert end to end: HTTP, real tokens, the seeded demo principals.
 *
 * Every test writes its alerts into a time window of its own (`windowOf(k)`), ten minutes long
 * and in the near future (so after every seeded alert), and reads them back with
 * `alerts(filter: { from, to })`: what a test wrote is exactly what its window holds.
 */

const ADAPTER = 'iot-platform';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) {
    ingestAlerts(input: $input) {
      accepted
      duplicates
      rejected
      skipped
      results { index externalId status id: recordId error { code field message } }
    }
  }
`;

const LIST = /* GraphQL */ `
  query List($filter: AlertFilter, $first: Int) {
    alerts(filter: $filter, first: $first) {
      totalCount
      edges {
        node {
          id externalId source type severity status occurredAt deviceExternalId acknowledgedAt payload
          location { lat lng }
          unit { code name tier path }
          device { externalId type }
        }
      }
    }
  }
`;

const COUNT = /* GraphQL */ `
  query Count($filter: AlertFilter) { alerts(filter: $filter, first: 1) { totalCount } }
`;

const ACK = /* GraphQL */ `
  mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { id externalId status acknowledgedAt unit { code } } }
`;

interface RecordError {
  code: string;
  field: string | null;
  message: string;
}
interface IngestResult {
  index: number;
  externalId: string;
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED' | 'SKIPPED';
  id: string | null;
  error: RecordError | null;
}
interface IngestReport {
  accepted: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  results: IngestResult[];
}
interface AlertRecord {
  externalId: string;
  type: string;
  severity: string;
  occurredAt: string;
  unitCode: string;
  deviceExternalId?: string | null;
  location?: { lat: number; lng: number } | null;
  payload?: Record<string, unknown> | null;
}

let hub: TestHub;
/** Start of the first window: a minute from now, on a whole second. */
const T0 = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
const WINDOW_MS = 10 * 60_000;

function windowOf(k: number): { from: string; to: string; at: (i: number) => string } {
  const start = T0 + k * WINDOW_MS;
  return {
    from: new Date(start).toISOString(),
    to: new Date(start + WINDOW_MS).toISOString(),
    at: (i) => new Date(start + i * 1000).toISOString(),
  };
}

function record(externalId: string, occurredAt: string, unitCode: string, extra: Partial<AlertRecord> = {}): AlertRecord {
  return { externalId, type: 'SMOKE', severity: 'HIGH', occurredAt, unitCode, ...extra };
}

async function ingest(records: AlertRecord[], options: { source?: string; atomic?: boolean; as?: string; authorization?: string } = {}) {
  const input = { source: options.source ?? ADAPTER, records, ...(options.atomic !== undefined ? { atomic: options.atomic } : {}) };
  const gqlOptions = options.authorization !== undefined ? { authorization: options.authorization } : { as: options.as ?? ADAPTER };
  return hub.gql<{ ingestAlerts: IngestReport }>(INGEST, { input }, gqlOptions);
}

/** The report of a call that must have succeeded. */
async function ingestOk(records: AlertRecord[], options: { source?: string; atomic?: boolean } = {}): Promise<IngestReport> {
  const { status, body } = await ingest(records, options);
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  return body.data!.ingestAlerts;
}

async function count(as: string, filter: Record<string, unknown> = {}): Promise<number> {
  const { body } = await hub.gql<{ alerts: { totalCount: number } }>(COUNT, { filter }, { as });
  expect(body.errors).toBeUndefined();
  return body.data!.alerts.totalCount;
}

interface Listed {
  id: string;
  externalId: string;
  source: string;
  type: string;
  severity: string;
  status: string;
  occurredAt: string;
  deviceExternalId: string | null;
  acknowledgedAt: string | null;
  payload: Record<string, unknown>;
  location: { lat: number; lng: number } | null;
  unit: { code: string; name: string; tier: string; path: string };
  device: { externalId: string; type: string } | null;
}

async function list(as: string, filter: Record<string, unknown>): Promise<{ totalCount: number; nodes: Listed[] }> {
  const { body } = await hub.gql<{ alerts: { totalCount: number; edges: { node: Listed }[] } }>(LIST, { filter, first: 100 }, { as });
  expect(body.errors).toBeUndefined();
  return { totalCount: body.data!.alerts.totalCount, nodes: body.data!.alerts.edges.map((e) => e.node) };
}

/** The single error of a failed call, with `data: null`. */
function onlyError(response: GqlResponse, path: string): { message: string; extensions?: Record<string, unknown> } {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  const error = response.body.errors![0]!;
  expect(error.path).toEqual([path]);
  expect(JSON.stringify(error)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
  return error;
}

const accepted = (index: number, externalId: string) => ({ index, externalId, status: 'ACCEPTED', id: expect.stringMatching(UUID), error: null });
const rejected = (index: number, externalId: string, code: string, field: string | null, message: unknown = expect.any(String)) => ({
  index,
  externalId,
  status: 'REJECTED',
  id: null,
  error: { code, field, message },
});

beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

describe('ingestAlerts', () => {
  it('accepts a good batch; officers of 学田 read it back, with the seeded device linked', async () => {
    const w = windowOf(0);
    const records: AlertRecord[] = [
      record('good-1', w.at(1), '320613006001', {
        deviceExternalId: '320613006001-smoke_detector-01',
        location: { lat: 32.0151, lng: 120.8652 },
        payload: { smokeDensity: 3.2, unit: 'dB/m', building: '7幢' },
      }),
      record('good-2', w.at(2), '320613006002', { type: 'STREET_VENDOR', severity: 'LOW' }),
      record('good-3', w.at(3), '320613006001001', { type: 'EBIKE_IN_ELEVATOR', severity: 'MEDIUM', deviceExternalId: 'gateway-unregistered-42', payload: {} }),
    ];
    const report = await ingestOk(records);
    expect(report).toEqual({
      accepted: 3,
      duplicates: 0,
      rejected: 0,
      skipped: 0,
      results: [accepted(0, 'good-1'), accepted(1, 'good-2'), accepted(2, 'good-3')],
    });
    const ids = report.results.map((r) => r.id!);
    expect(new Set(ids).size).toBe(3);

    const street = await list('xuetian.officer', { unitCode: '320613006', from: w.from, to: w.to });
    expect(street).toEqual({
      totalCount: 3,
      nodes: [
        {
          id: ids[2],
          externalId: 'good-3',
          source: 'iot-platform',
          type: 'EBIKE_IN_ELEVATOR',
          severity: 'MEDIUM',
          status: 'OPEN',
          occurredAt: w.at(3),
          deviceExternalId: 'gateway-unregistered-42',
          acknowledgedAt: null,
          payload: {},
          location: null,
          unit: { code: '320613006001001', name: '互敬网格', tier: 'GRID', path: '320600.320613.320613006.320613006001.320613006001001' },
          device: null,
        },
        {
          id: ids[1],
          externalId: 'good-2',
          source: 'iot-platform',
          type: 'STREET_VENDOR',
          severity: 'LOW',
          status: 'OPEN',
          occurredAt: w.at(2),
          deviceExternalId: null,
          acknowledgedAt: null,
          payload: {},
          location: null,
          unit: { code: '320613006002', name: '学田社区', tier: 'COMMUNITY', path: '320600.320613.320613006.320613006002' },
          device: null,
        },
        {
          id: ids[0],
          externalId: 'good-1',
          source: 'iot-platform',
          type: 'SMOKE',
          severity: 'HIGH',
          status: 'OPEN',
          occurredAt: w.at(1),
          deviceExternalId: '320613006001-smoke_detector-01',
          acknowledgedAt: null,
          payload: { smokeDensity: 3.2, unit: 'dB/m', building: '7幢' },
          location: { lat: 32.0151, lng: 120.8652 },
          unit: { code: '320613006001', name: '曙光社区', tier: 'COMMUNITY', path: '320600.320613.320613006.320613006001' },
          device: { externalId: '320613006001-smoke_detector-01', type: 'SMOKE_DETECTOR' },
        },
      ],
    });

    // The community filter narrows to 曙光 and its grids.
    const community = await list('xuetian.officer', { unitCode: '320613006001', from: w.from, to: w.to });
    expect(community.nodes.map((n) => n.externalId)).toEqual(['good-3', 'good-1']);
    expect(community.totalCount).toBe(2);
    // 文峰 sees none of it, even when it asks for 学田's units.
    expect(await count('wenfeng.officer', { from: w.from, to: w.to })).toBe(0);
    expect(await count('wenfeng.officer', { unitCode: '320613006', from: w.from, to: w.to })).toBe(0);
  });

  it('accepts the good records of a mixed batch and writes none of the rejected ones; a retry is all DUPLICATE', async () => {
    const w = windowOf(1);
    const twoDaysAhead = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const records: AlertRecord[] = [
      record('mixed-ok-1', w.at(1), '320613008001', { type: 'GARBAGE_ROOM_FULL', severity: 'LOW' }),
      record('mixed-unknown-unit', w.at(2), '320613999999'),
      record('mixed-city', w.at(3), '320600'),
      record('mixed-bad-lat', w.at(4), '320613006001', { location: { lat: 91, lng: 120.86 } }),
      record('mixed-future', twoDaysAhead, '320613006001'),
      record('', w.at(6), '320613006001'),
      record('mixed-ok-2', w.at(7), '320613001001', { type: 'STREET_VENDOR', severity: 'MEDIUM' }),
    ];
    const totalBefore = await count('city.admin');

    const first = await ingestOk(records);
    const expectedRejections = [
      rejected(1, 'mixed-unknown-unit', 'UNKNOWN_UNIT', 'unitCode', expect.stringContaining('320613999999')),
      rejected(2, 'mixed-city', 'OUT_OF_JURISDICTION', 'unitCode'),
      rejected(3, 'mixed-bad-lat', 'INVALID_FIELD', 'location.lat'),
      rejected(4, 'mixed-future', 'INVALID_FIELD', 'occurredAt'),
      rejected(5, '', 'INVALID_FIELD', 'externalId'),
    ];
    expect(first).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: 5,
      skipped: 0,
      results: [accepted(0, 'mixed-ok-1'), ...expectedRejections, accepted(6, 'mixed-ok-2')],
    });
    for (const result of first.results.filter((r) => r.status === 'REJECTED')) expect(result.error!.message.length).toBeGreaterThan(0);

    expect(await count('city.admin')).toBe(totalBefore + 2);
    const written = await list('city.admin', { from: w.from, to: w.to });
    expect(written.nodes.map((n) => [n.externalId, n.unit.code])).toEqual([
      ['mixed-ok-2', '320613001001'],
      ['mixed-ok-1', '320613008001'],
    ]);
    expect(await count('city.admin', { unitCode: '320600', from: twoDaysAhead })).toBe(0);

    // The same batch again: the good ones are DUPLICATE with the same ids, nothing new is written.
    const retry = await ingestOk(records);
    expect(retry).toEqual({
      accepted: 0,
      duplicates: 2,
      rejected: 5,
      skipped: 0,
      results: [
        { index: 0, externalId: 'mixed-ok-1', status: 'DUPLICATE', id: first.results[0]!.id, error: null },
        ...expectedRejections,
        { index: 6, externalId: 'mixed-ok-2', status: 'DUPLICATE', id: first.results[6]!.id, error: null },
      ],
    });
    expect(await count('city.admin')).toBe(totalBefore + 2);
  });

  it('marks the second record with an externalId already in the batch DUPLICATE with the first one’s id', async () => {
    const w = windowOf(2);
    const report = await ingestOk([
      record('twice-1', w.at(1), '320613006001'),
      record('twice-1', w.at(2), '320613006002', { type: 'STREET_VENDOR', severity: 'LOW' }),
      record('twice-2', w.at(3), '320613006002'),
    ]);
    expect(report).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: 0,
      skipped: 0,
      results: [accepted(0, 'twice-1'), { index: 1, externalId: 'twice-1', status: 'DUPLICATE', id: report.results[0]!.id, error: null }, accepted(2, 'twice-2')],
    });
    const stored = await list('city.admin', { from: w.from, to: w.to });
    expect(stored.nodes.map((n) => [n.id, n.externalId, n.type, n.unit.code])).toEqual([
      [report.results[2]!.id, 'twice-2', 'SMOKE', '320613006002'],
      [report.results[0]!.id, 'twice-1', 'SMOKE', '320613006001'],
    ]);
  });

  it('refuses a batch of 1,001 records with BAD_USER_INPUT and writes nothing', async () => {
    const w = windowOf(3);
    const totalBefore = await count('city.admin');
    const records = Array.from({ length: 1001 }, (_, i) => record(`big-${i}`, w.at(i % 500), '320613006001'));
    const response = await ingest(records);
    const error = onlyError(response, 'ingestAlerts');
    expect(error).toEqual({
      message: expect.stringContaining('1000'),
      path: ['ingestAlerts'],
      locations: expect.any(Array),
      extensions: { code: 'BAD_USER_INPUT', field: 'records' },
    });
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(0);
    expect(await count('city.admin')).toBe(totalBefore);

    // 1,000 is the limit, not past it.
    const full = await ingestOk(records.slice(0, 1000));
    expect(full.accepted).toBe(1000);
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(1000);
  });

  it('atomic: one bad record → it is REJECTED, the others SKIPPED, nothing written; all good → written', async () => {
    const w = windowOf(4);
    const good1 = record('atomic-1', w.at(1), '320613006001');
    const bad = record('atomic-bad', w.at(2), '320613006001', { location: { lat: -90.5, lng: 120 } });
    const good2 = record('atomic-2', w.at(3), '320613008001', { type: 'STREET_VENDOR', severity: 'LOW' });
    const aborted = await ingestOk([good1, bad, good2], { atomic: true });
    expect(aborted).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: 1,
      skipped: 2,
      results: [
        { index: 0, externalId: 'atomic-1', status: 'SKIPPED', id: null, error: null },
        rejected(1, 'atomic-bad', 'INVALID_FIELD', 'location.lat'),
        { index: 2, externalId: 'atomic-2', status: 'SKIPPED', id: null, error: null },
      ],
    });
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(0);

    const written = await ingestOk([good1, good2], { atomic: true });
    expect(written).toEqual({ accepted: 2, duplicates: 0, rejected: 0, skipped: 0, results: [accepted(0, 'atomic-1'), accepted(1, 'atomic-2')] });
    const stored = await list('city.admin', { from: w.from, to: w.to });
    expect(stored.nodes.map((n) => [n.id, n.externalId])).toEqual([
      [written.results[1]!.id, 'atomic-2'],
      [written.results[0]!.id, 'atomic-1'],
    ]);
  });

  it('takes the adapter’s own name or name/subsystem as source, and refuses any other with FORBIDDEN', async () => {
    const w = windowOf(5);
    for (const source of ['fire-brigade', 'iot-platformx', 'iot', '']) {
      const response = await ingest([record(`src-${source}`, w.at(1), '320613006001')], { source });
      const error = onlyError(response, 'ingestAlerts');
      expect(error.extensions).toEqual({ code: 'FORBIDDEN', action: 'ingest', subject: 'source' });
    }
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(0);

    const sub = await ingestOk([record('src-sub', w.at(2), '320613006001')], { source: 'iot-platform/gateway-7' });
    expect(sub).toEqual({ accepted: 1, duplicates: 0, rejected: 0, skipped: 0, results: [accepted(0, 'src-sub')] });
    const stored = await list('city.admin', { from: w.from, to: w.to });
    expect(stored.nodes.map((n) => [n.externalId, n.source])).toEqual([['src-sub', 'iot-platform/gateway-7']]);
  });

  it('refuses principals that are not adapters with FORBIDDEN (action and subject named), and callers without a token with UNAUTHENTICATED', async () => {
    const w = windowOf(6);
    const records = [record('not-adapter', w.at(1), '320613006001')];
    for (const as of ['city.admin', 'xuetian.officer', 'fire.officer', 'hujing.grid']) {
      const error = onlyError(await ingest(records, { as }), 'ingestAlerts');
      expect({ as, extensions: error.extensions }).toEqual({ as, extensions: { code: 'FORBIDDEN', action: 'ingest', subject: 'Alert' } });
    }
    const anonymous = onlyError(await ingest(records, { authorization: '' }), 'ingestAlerts');
    expect(anonymous.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(0);
  });

  it('stores exactly one record per externalId when the same batch arrives twice at once', async () => {
    const w = windowOf(7);
    const records = Array.from({ length: 40 }, (_, i) =>
      record(`concurrent-${i}`, w.at(i), i % 2 === 0 ? '320613006001001' : '320613008001', { type: i % 3 === 0 ? 'SMOKE' : 'STREET_VENDOR', severity: 'LOW' }),
    );
    const [a, b] = await Promise.all([ingest(records), ingest(records)]);
    for (const response of [a, b]) expect(response.body.errors).toBeUndefined();
    const reportA = a.body.data!.ingestAlerts;
    const reportB = b.body.data!.ingestAlerts;
    expect(reportA.accepted + reportB.accepted).toBe(40);
    expect(reportA.duplicates + reportB.duplicates).toBe(40);
    expect(reportA.rejected + reportB.rejected + reportA.skipped + reportB.skipped).toBe(0);
    records.forEach((r, i) => {
      const ra = reportA.results[i]!;
      const rb = reportB.results[i]!;
      expect([ra.externalId, rb.externalId]).toEqual([r.externalId, r.externalId]);
      expect([ra.status, rb.status].sort()).toEqual(['ACCEPTED', 'DUPLICATE']);
      expect(ra.id).toMatch(UUID);
      expect(rb.id).toBe(ra.id);
    });
    const stored = await list('city.admin', { from: w.from, to: w.to });
    expect(stored.totalCount).toBe(40);
    expect(stored.nodes.map((n) => n.externalId).sort()).toEqual(records.map((r) => r.externalId).sort());
  });

  // Two processes, two transactions: a key another transaction has written but not committed is
  // invisible to the batch, whose insert then waits on it. Once it commits, the batch must
  // report it DUPLICATE with that row's id (found after the insert), not fail or store it twice.
  // PGlite has one connection: no second transaction to hold.
  it.runIf(dbKind === 'postgres')('a key another transaction commits while the batch waits on it: DUPLICATE with that id, the rest ACCEPTED', async () => {
    const w = windowOf(10);
    const records = [0, 1, 2].map((i) => record(`race-${i}`, w.at(i), '320613006001', { type: 'STREET_VENDOR', severity: 'LOW' }));
    const other = postgres(hub.databaseUrl!, { max: 1, onnotice: () => {} });
    const watch = postgres(hub.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const insertedNow = new Promise<void>((resolve) => (inserted = resolve));
      let otherId = '';
      const otherTx = other.begin(async (tx) => {
        const [row] = await tx<{ id: string }[]>`
          insert into alerts (source, external_id, type, severity, occurred_at, unit_code, unit_path, city_code, district_code, street_code, community_code)
          values (${ADAPTER}, 'race-1', 'STREET_VENDOR', 'LOW', ${w.at(1)}, '320613006001', '320600.320613.320613006.320613006001', '320600', '320613', '320613006', '320613006001')
          returning id`;
        otherId = row!.id;
        inserted();
        await held;
      });
      await insertedNow;
      const answer = ingest(records);
      // The batch cannot see the uncommitted row; its write waits on the key until the other commits.
      const deadline = Date.now() + 20_000;
      while (Number((await watch`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)[0]!['n']) === 0) {
        if (Date.now() > deadline) throw new Error('the batch never waited on the uncommitted key');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      release();
      await otherTx;
      const { body } = await answer;
      expect(body.errors).toBeUndefined();
      expect(body.data!.ingestAlerts.results.map((r) => [r.externalId, r.status])).toEqual([
        ['race-0', 'ACCEPTED'],
        ['race-1', 'DUPLICATE'],
        ['race-2', 'ACCEPTED'],
      ]);
      expect(body.data!.ingestAlerts.results[1]!.id).toBe(otherId);
      expect(await count('city.admin', { from: w.from, to: w.to })).toBe(3);
    } finally {
      await Promise.all([other.end(), watch.end()]);
    }
  });
});

describe('acknowledgeAlert', () => {
  it('lets 学田 acknowledge an OPEN alert once; 文峰 gets NOT_FOUND, the grid worker FORBIDDEN', async () => {
    const w = windowOf(8);
    const report = await ingestOk([
      record('ack-xuetian', w.at(1), '320613006002', { type: 'THROWN_FROM_HEIGHT' }),
      record('ack-hujing', w.at(2), '320613006001001', { type: 'ELDERLY_ALARM', severity: 'CRITICAL' }),
      record('ack-smoke', w.at(3), '320613006002', { type: 'SMOKE' }),
    ]);
    const [streetId, gridId, smokeId] = report.results.map((r) => r.id!) as [string, string, string];

    // Not the same street: answered exactly as for an id that does not exist.
    const wenfeng = onlyError(await hub.gql(ACK, { id: streetId }, { as: 'wenfeng.officer' }), 'acknowledgeAlert');
    expect(wenfeng.extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: streetId });
    const missingId = '00000000-0000-4000-8000-000000000000';
    const missing = onlyError(await hub.gql(ACK, { id: missingId }, { as: 'wenfeng.officer' }), 'acknowledgeAlert');
    expect(missing.extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: missingId });
    expect(wenfeng.message.replace(streetId, '<id>')).toBe(missing.message.replace(missingId, '<id>'));

    // A grid worker reads the alerts of its grid but does not acknowledge them.
    const grid = onlyError(await hub.gql(ACK, { id: gridId }, { as: 'hujing.grid' }), 'acknowledgeAlert');
    expect(grid.extensions).toEqual({ code: 'FORBIDDEN', action: 'acknowledge', subject: 'Alert' });
    // …and outside its grid it is NOT_FOUND.
    const outside = onlyError(await hub.gql(ACK, { id: streetId }, { as: 'hujing.grid' }), 'acknowledgeAlert');
    expect(outside.extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: streetId });
    // The fire brigade's data officer reads SMOKE alerts but acknowledges nothing; other types it does not see.
    const fire = onlyError(await hub.gql(ACK, { id: smokeId }, { as: 'fire.officer' }), 'acknowledgeAlert');
    expect(fire.extensions).toEqual({ code: 'FORBIDDEN', action: 'acknowledge', subject: 'Alert' });
    const fireOther = onlyError(await hub.gql(ACK, { id: streetId }, { as: 'fire.officer' }), 'acknowledgeAlert');
    expect(fireOther.extensions).toEqual({ code: 'NOT_FOUND', what: 'Alert', key: streetId });
    const anonymous = onlyError(await hub.gql(ACK, { id: streetId }), 'acknowledgeAlert');
    expect(anonymous.extensions).toEqual({ code: 'UNAUTHENTICATED' });

    // None of that changed anything.
    const before = await list('city.admin', { from: w.from, to: w.to });
    expect(before.nodes.map((n) => [n.externalId, n.status, n.acknowledgedAt])).toEqual([
      ['ack-smoke', 'OPEN', null],
      ['ack-hujing', 'OPEN', null],
      ['ack-xuetian', 'OPEN', null],
    ]);

    const startedAt = Date.now();
    const ack = await hub.gql(ACK, { id: streetId }, { as: 'xuetian.officer' });
    expect(ack.body).toEqual({
      data: { acknowledgeAlert: { id: streetId, externalId: 'ack-xuetian', status: 'ACKNOWLEDGED', acknowledgedAt: expect.any(String), unit: { code: '320613006002' } } },
    });
    const acknowledgedAt = Date.parse(ack.body.data!['acknowledgeAlert'].acknowledgedAt);
    expect(acknowledgedAt).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(acknowledgedAt).toBeLessThanOrEqual(Date.now() + 1000);

    const again = onlyError(await hub.gql(ACK, { id: streetId }, { as: 'xuetian.officer' }), 'acknowledgeAlert');
    expect(again.extensions).toEqual({ code: 'CONFLICT', status: 'ACKNOWLEDGED' });

    const after = await list('city.admin', { from: w.from, to: w.to });
    expect(after.nodes.map((n) => [n.externalId, n.status])).toEqual([
      ['ack-smoke', 'OPEN'],
      ['ack-hujing', 'OPEN'],
      ['ack-xuetian', 'ACKNOWLEDGED'],
    ]);
    expect(await count('xuetian.officer', { statuses: ['ACKNOWLEDGED'], from: w.from, to: w.to })).toBe(1);
  });
});

/** Values Postgres cannot store must be rejected one by one, never fail the batch's insert. */
describe('ingestAlerts: unstorable values', () => {
  it('rejects alone a record holding a value the database cannot store (NUL byte, lone surrogate, year 0)', async () => {
    const w = windowOf(9);
    const records: AlertRecord[] = [
      record('unstorable-ok-1', w.at(1), '320613006001'),
      record('unstorable-\u0000-id', w.at(2), '320613006001'),
      record('unstorable-payload-nul', w.at(3), '320613006001', { payload: { note: 'a\u0000b' } }),
      record('unstorable-payload-surrogate', w.at(4), '320613006001', { payload: { note: 'a\ud800b' } }),
      record('unstorable-device', w.at(5), '320613006001', { deviceExternalId: 'dev\u0000' }),
      record('unstorable-unit', w.at(6), '320613\u0000'),
      record('unstorable-year-0', '0000-01-01T00:00:00Z', '320613006001'),
      record('unstorable-ok-2', w.at(8), '320613008001'),
    ];
    const { body } = await ingest(records);
    expect(body.errors).toBeUndefined();
    expect(body.data?.ingestAlerts).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: 6,
      skipped: 0,
      results: [
        accepted(0, 'unstorable-ok-1'),
        rejected(1, 'unstorable-\u0000-id', 'INVALID_FIELD', 'externalId'),
        rejected(2, 'unstorable-payload-nul', 'INVALID_FIELD', 'payload'),
        rejected(3, 'unstorable-payload-surrogate', 'INVALID_FIELD', 'payload'),
        rejected(4, 'unstorable-device', 'INVALID_FIELD', 'deviceExternalId'),
        rejected(5, 'unstorable-unit', expect.stringMatching(/^(INVALID_FIELD|UNKNOWN_UNIT)$/), 'unitCode'),
        rejected(6, 'unstorable-year-0', 'INVALID_FIELD', 'occurredAt'),
        accepted(7, 'unstorable-ok-2'),
      ],
    });
    expect(await count('city.admin', { from: w.from, to: w.to })).toBe(2);
  });
});
