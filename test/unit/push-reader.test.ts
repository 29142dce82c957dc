import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSchema } from '../../src/schema.js';
import { checkRecord, mutationOf, PUSH_KINDS, recordTypeOf } from '../../src/push/kinds.js';
import { CsvHeaderError, formatOf, readItems, type Format, type Item, type Records } from '../../src/push/reader.js';
import { Batcher } from '../../src/push/batches.js';

/** `gridhub push`'s reading side, against the hub's own schema (built in memory: no database, no hub). */
let schema: GraphQLSchema;
let alerts: Records;
const dir = mkdtempSync(join(tmpdir(), 'gridhub-unit-push-'));

beforeAll(async () => {
  schema = await createSchema();
  const kind = PUSH_KINDS['alerts']!;
  alerts = { kind, type: recordTypeOf(schema, kind) };
});

async function itemsOf(name: string, text: string, format: Format, records = alerts): Promise<Item[]> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const items: Item[] = [];
  for await (const item of readItems(path, format, records)) items.push(item);
  return items;
}

const ALERT = { externalId: 'a-1', type: 'SMOKE', severity: 'HIGH', occurredAt: '2026-11-28T08:00:00Z', unitCode: '320613006001' };
const problems = (items: Item[]) => items.map((i) => ('problem' in i ? [i.line, i.problem.code, i.problem.field] : [i.line, 'OK', null]));

describe('push kinds', () => {
  it('every module kind names an existing mutation and a records input type', () => {
    expect(Object.keys(PUSH_KINDS).length).toBeGreaterThan(3);
    const mutations = schema.getMutationType()!.getFields();
    for (const kind of Object.values(PUSH_KINDS)) {
      expect(mutations[kind.mutation], kind.name).toBeDefined();
      expect(recordTypeOf(schema, kind).name).toMatch(/Input$/);
      // Every CSV column is a field of the record or one fromCsv folds in (lat/lng → location).
      const fields = Object.keys(recordTypeOf(schema, kind).getFields());
      for (const column of Object.keys(kind.csvColumns)) expect(fields.includes(column) || ['lat', 'lng'].includes(column), `${kind.name}.${column}`).toBe(true);
    }
    expect(mutationOf(PUSH_KINDS['alerts']!)).toMatch(/^mutation Push\(\$input: IngestAlertsInput!\) \{ ingestAlerts\(input: \$input\)/);
  });

  it('checkRecord says what GraphQL would refuse, one field at a time', () => {
    expect(checkRecord(alerts.type, ALERT)).toBeUndefined();
    expect(checkRecord(alerts.type, [ALERT])).toMatchObject({ code: 'INVALID_INPUT', field: null });
    expect(checkRecord(alerts.type, { ...ALERT, externalId: undefined })).toMatchObject({ field: 'externalId', message: 'externalId is required' });
    expect(checkRecord(alerts.type, { ...ALERT, severity: 'HUGE' })).toMatchObject({ field: 'severity', message: expect.stringMatching(/^severity must be one of .*HIGH.*; got "HUGE"$/) });
    expect(checkRecord(alerts.type, { ...ALERT, occurredAt: 'yesterday' })).toMatchObject({ field: 'occurredAt', message: expect.stringContaining('RFC 3339') });
    expect(checkRecord(alerts.type, { ...ALERT, payload: 'text' })).toMatchObject({ field: 'payload', message: 'payload must be a JSON object' });
    // An unknown field is named before any bad value, with the fields there are.
    expect(checkRecord(alerts.type, { ...ALERT, severity: 'HUGE', colour: 'red' })).toMatchObject({ field: 'colour', message: expect.stringMatching(/^unknown field "colour"; fields are .*externalId/) });
  });
});

describe('the NDJSON reader', () => {
  it('numbers lines from 1, skips blank ones, rejects bad lines alone and ends each item at its byte offset', async () => {
    const lines = [JSON.stringify(ALERT), '', '{not json', JSON.stringify({ ...ALERT, severity: 'HUGE' }), `  ${JSON.stringify({ ...ALERT, externalId: 'a-2' })}`];
    const text = `\uFEFF${lines.join('\n')}`;
    const items = await itemsOf('a.ndjson', text, 'ndjson');
    expect(problems(items)).toEqual([
      [1, 'OK', null],
      [3, 'UNREADABLE', null],
      [4, 'INVALID_INPUT', 'severity'],
      [5, 'OK', null],
    ]);
    expect(items.at(-1)!.end).toBe(Buffer.byteLength(text));
    expect(items[0]!.end).toBe(Buffer.byteLength(`\uFEFF${lines[0]}\n`));
    expect(items[1]).toMatchObject({ text: '{not json' });
  });
});

describe('the CSV reader', () => {
  it('reads typed cells, folds lat/lng into a location, and counts a quoted newline in the row\'s line', async () => {
    const csv = [
      'externalId,type,severity,occurredAt,unitCode,lat,lng,payload',
      'c-1,SMOKE,HIGH,2026-11-28T08:00:00Z,320613006001,32.01,120.86,"{""room"": ""401""}"',
      'c-2,SMOKE,LOW,2026-11-28T08:00:00Z,320613006001,north,120.86,',
      '"c-3",SMOKE,HIGH,2026-11-28T08:00:00Z,320613006001,,,"{""note"":',
      '""two lines""}"',
    ].join('\n');
    const items = await itemsOf('a.csv', csv, 'csv');
    expect(problems(items)).toEqual([
      [2, 'OK', null],
      [3, 'INVALID_INPUT', 'lat'],
      [5, 'OK', null],
    ]);
    expect(items[0]).toMatchObject({ record: { externalId: 'c-1', location: { lat: 32.01, lng: 120.86 }, payload: { room: '401' } } });
    expect(items[2]).toMatchObject({ record: { externalId: 'c-3', payload: { note: 'two lines' } } });
    expect(items[2]).not.toHaveProperty('record.location');
  });

  it('refuses a header with an unknown column or without a required one, saying which', async () => {
    await expect(itemsOf('b.csv', 'externalId,type,severity,occurredAt,unitCode,colour\n', 'csv')).rejects.toThrow(CsvHeaderError);
    await expect(itemsOf('b.csv', 'externalId,type,severity,occurredAt,unitCode,colour\n', 'csv')).rejects.toThrow(/unknown CSV column "colour"/);
    await expect(itemsOf('c.csv', 'externalId,type,severity\n', 'csv')).rejects.toThrow(/lacks occurredAt, unitCode/);
  });

  it('the format comes from --format or the file name', () => {
    expect(formatOf('x.CSV', undefined)).toBe('csv');
    expect(formatOf('x.jsonl', undefined)).toBe('ndjson');
    expect(formatOf('x.txt', 'csv')).toBe('csv');
    expect(() => formatOf('x.txt', undefined)).toThrow(/--format/);
    expect(() => formatOf('x.csv', 'xml')).toThrow(/ndjson or csv/);
  });
});

describe('batches', () => {
  const item = (line: number, end: number, bad = false): Item =>
    bad ? { line, end, problem: { code: 'UNREADABLE', field: null, message: 'x' }, text: '' } : { line, end, record: { line } };

  it('cuts every batchSize items; a rejected line travels in its batch but is not sent', () => {
    const batcher = new Batcher(2, 0, 0);
    expect(batcher.add(item(1, 10))).toEqual([]);
    const [first] = batcher.add(item(2, 20, true));
    expect(first).toMatchObject({ lastLine: 2, end: 20, records: [{ line: 1 }], sent: [0] });
    expect(first!.items).toHaveLength(2);
    batcher.add(item(3, 30));
    expect(batcher.last(31)).toMatchObject({ lastLine: 3, end: 31, records: [{ line: 3 }] });
  });

  it('cuts before an item that would carry a batch past 8 MB', () => {
    const batcher = new Batcher(1000, 0, 0);
    expect(batcher.add(item(1, 5_000_000))).toEqual([]);
    const cut = batcher.add(item(2, 10_000_000));
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ lastLine: 1, end: 5_000_000 });
  });
});
