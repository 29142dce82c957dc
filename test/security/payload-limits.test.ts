import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { createLogger } from '../../src/platform/log.js';
import { createSchema } from '../../src/schema.js';
import { checkRecord, PUSH_KINDS, recordTypeOf } from '../../src/push/kinds.js';

/**
 * A record's JSON data (an alert's payload, a device's attributes) nested thousands deep or
 * over 16 KB is REJECTED alone, INVALID_FIELD naming the field; the batch's other records are
 * stored. The attack on a demo hub failed a whole batch with a stack overflow on a payload
 * nested 5,000 deep. Bodies are written by hand: JSON.stringify itself overflows on such values.
 */

const INGEST_ALERTS = 'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted rejected results { index status error { code field message } } } }';
const INGEST_DEVICES = 'mutation ($input: IngestDevicesInput!) { ingestDevices(input: $input) { accepted rejected results { index status error { code field message } } } }';

/** `{"a":[[[…1…]]]}`: `depth` arrays inside an object, 2 bytes a level (5,000 deep is 10 KB, under the size limit). */
const nested = (depth: number) => `{"a":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
/** An object of about `bytes` bytes serialized. */
const sized = (bytes: number) => JSON.stringify({ note: 'x'.repeat(bytes - 11) });

describe('payload depth and size limits: a per-record REJECTED', () => {
  let hub: TestHub;
  const logged: string[] = [];
  beforeAll(async () => {
    hub = await createTestHub({ log: createLogger('info', (line) => logged.push(line)) });
  });
  afterAll(() => hub?.close());

  async function post(query: string, as: string, input: string) {
    const response = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token(as)}` },
      body: `{"query":${JSON.stringify(query)},"variables":{"input":${input}}}`,
    });
    return { status: response.status, body: (await response.json()) as { data?: Record<string, { accepted: number; rejected: number; results: unknown[] }>; errors?: unknown[] } };
  }

  it('alerts: nested 5,000 and 100,000 deep, and 16 KB + 1, are REJECTED; the valid records around them ACCEPTED', async () => {
    const run = `limits-${Date.now()}`;
    // A millisecond of its own, after every seeded alert: what the batch stored is exactly what it holds.
    const at = new Date(Date.now() + 3_600_000 + Math.floor(Math.random() * 3_600_000));
    const alert = (id: string, payload?: string) =>
      `{"externalId":"${run}-${id}","type":"SMOKE","severity":"HIGH","occurredAt":"${at.toISOString()}","unitCode":"320613006001001"${payload ? `,"payload":${payload}` : ''}}`;
    const records = [alert('ok-1', nested(31)), alert('deep-5000', nested(5000)), alert('ok-2'), alert('deep-100000', nested(100_000)), alert('big', sized(16_385)), alert('ok-3', sized(16_384))];
    logged.length = 0;
    const { status, body } = await post(INGEST_ALERTS, 'iot-platform', `{"source":"iot-platform","records":[${records.join(',')}]}`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const tooDeep = { status: 'REJECTED', error: { code: 'INVALID_FIELD', field: 'payload', message: 'payload is nested deeper than 32 levels' } };
    expect(body.data!['ingestAlerts']).toEqual({
      accepted: 3,
      rejected: 3,
      results: [
        { index: 0, status: 'ACCEPTED', error: null },
        { index: 1, ...tooDeep },
        { index: 2, status: 'ACCEPTED', error: null },
        { index: 3, ...tooDeep },
        { index: 4, status: 'REJECTED', error: { code: 'INVALID_FIELD', field: 'payload', message: 'payload is larger than 16384 bytes' } },
        { index: 5, status: 'ACCEPTED', error: null },
      ],
    });
    expect(logged.filter((line) => /"level":"error"|RangeError|stack/i.test(line))).toEqual([]);
    // What was accepted is stored as sent.
    const stored = await hub.gql(
      'query ($from: DateTime, $to: DateTime) { alerts(filter: { from: $from, to: $to }) { edges { node { externalId } } } }',
      { from: at.toISOString(), to: new Date(at.getTime() + 1).toISOString() },
      { as: 'city.admin' },
    );
    const externalIds = (stored.body.data?.['alerts'] as { edges: { node: { externalId: string } }[] }).edges.map((edge) => edge.node.externalId);
    expect(externalIds.sort()).toEqual([`${run}-ok-1`, `${run}-ok-2`, `${run}-ok-3`]);
  });

  it('devices: attributes nested 5,000 deep are REJECTED; the valid device ACCEPTED', async () => {
    const run = `limits-${Date.now()}`;
    const device = (id: string, attributes?: string) =>
      `{"externalId":"${run}-${id}","type":"SMOKE_DETECTOR","name":"${id}","unitCode":"320613006001001"${attributes ? `,"attributes":${attributes}` : ''}}`;
    const { status, body } = await post(INGEST_DEVICES, 'iot-platform', `{"source":"iot-platform","records":[${device('deep', nested(5000))},${device('ok')}]}`);
    expect(status).toBe(200);
    expect(body.errors ?? body.data!['ingestDevices']).toEqual({
      accepted: 1,
      rejected: 1,
      results: [
        { index: 0, status: 'REJECTED', error: { code: 'INVALID_FIELD', field: 'attributes', message: 'attributes is nested deeper than 32 levels' } },
        { index: 1, status: 'ACCEPTED', error: null },
      ],
    });
  });
});

describe('gridhub push checks the depth before it sends', () => {
  it('a record nested 5,000 deep is INVALID_INPUT on its field (not a stack overflow when the batch is serialized)', async () => {
    const recordType = recordTypeOf(await createSchema(), PUSH_KINDS['alerts']!);
    const record = JSON.parse(`{"externalId":"x","type":"SMOKE","severity":"HIGH","occurredAt":"2026-11-24T10:00:00Z","unitCode":"320613006001","payload":${nested(5000)}}`) as unknown;
    expect(checkRecord(recordType, record)).toEqual({ code: 'INVALID_INPUT', field: 'payload', message: 'payload is nested deeper than 32 levels' });
    expect(checkRecord(recordType, { ...(record as object), payload: JSON.parse(nested(31)) })).toBeUndefined();
  });
});
