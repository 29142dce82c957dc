import { createReadStream } from 'node:fs';
import { parse, type CsvError, type Info } from 'csv-parse';
import { isRequiredInputField, type GraphQLInputObjectType } from 'graphql';
import { checkRecord, type LocalProblem, type PushKind } from './kinds.js';

/**
 * Terminology
 * - item: what the reader makes of one input record: an NDJSON line, or a CSV row (which may
 *   span lines when a quoted cell holds a newline). Blank lines make no item.
 * - line: an item's (last) line number in the file, from 1; resuming skips items by it.
 * - end: the byte offset just past the item: how far into the file it takes us.
 */
export type Item =
  | { line: number; end: number; record: Record<string, unknown> }
  | { line: number; end: number; problem: LocalProblem; text: string };

export type Format = 'ndjson' | 'csv';

/** Longest input kept in a rejects entry for a line that does not parse. */
const MAX_TEXT = 2000;

export function formatOf(path: string, explicit: string | undefined): Format {
  if (explicit === 'ndjson' || explicit === 'csv') return explicit;
  if (explicit !== undefined) throw new Error(`--format must be ndjson or csv, got "${explicit}"`);
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(nd)?jsonl?$/i.test(path)) return 'ndjson';
  throw new Error(`cannot tell the format of ${path} from its name: say --format ndjson or --format csv`);
}

/** What a file holds: records of a push kind, whose input type (in the hub's schema) they are checked against. */
export interface Records {
  readonly kind: PushKind;
  readonly type: GraphQLInputObjectType;
}

/** The items of a file, read as a stream: only what the consumer has asked for is held. */
export function readItems(path: string, format: Format, records: Records): AsyncGenerator<Item> {
  return format === 'csv' ? csvItems(path, records) : ndjsonItems(path, records);
}

async function* ndjsonItems(path: string, records: Records): AsyncGenerator<Item> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let rest: Buffer | undefined;
  let offset = 0; // bytes before `rest`
  let line = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buffer.indexOf(10, start); nl !== -1; nl = buffer.indexOf(10, start)) {
      line++;
      const item = ndjsonItem(records, buffer.subarray(start, nl), line, offset + nl + 1);
      if (item) yield item;
      start = nl + 1;
    }
    offset += start;
    rest = start < buffer.length ? buffer.subarray(start) : undefined;
  }
  if (rest) {
    line++;
    const item = ndjsonItem(records, rest, line, offset + rest.length);
    if (item) yield item;
  }
}

function ndjsonItem(records: Records, bytes: Buffer, line: number, end: number): Item | undefined {
  // A byte-order mark (some Windows editors write one) is not part of the first record.
  const text = line === 1 ? bytes.toString('utf8').replace(/^\uFEFF/, '') : bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, end, problem: { code: 'UNREADABLE', field: null, message: `not valid JSON: ${(error as Error).message}` }, text: text.slice(0, MAX_TEXT) };
  }
  const problem = checkRecord(records.type, value);
  return problem ? { line, end, problem, text: text.slice(0, MAX_TEXT) } : { line, end, record: value as Record<string, unknown> };
}

/** A CSV header that names an unknown column, or lacks one a required field needs. */
export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
}

async function* csvItems(path: string, records: Records): AsyncGenerator<Item> {
  const known = Object.keys(records.kind.csvColumns);
  const required = Object.values(records.type.getFields())
    .filter((field) => isRequiredInputField(field) && known.includes(field.name))
    .map((field) => field.name);
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      const unknown = names.filter((n) => !known.includes(n));
      if (unknown.length) throw new CsvHeaderError(`unknown CSV column ${unknown.map((u) => `"${u}"`).join(', ')}; columns are ${known.join(',')}`);
      const missing = required.filter((r) => !names.includes(r));
      if (missing.length) throw new CsvHeaderError(`the CSV header lacks ${missing.join(', ')}; columns are ${known.join(',')}`);
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
    raw: true,
  });
  // Rows csv-parse could not read (a stray quote, …) come as `skip` events, before any later row.
  const skipped: Item[] = [];
  parser.on('skip', (error: CsvError & { lines?: number }, raw?: string) => {
    const line = typeof error.lines === 'number' ? error.lines : 0;
    skipped.push({ line, end: 0, problem: { code: 'UNREADABLE', field: null, message: `not valid CSV: ${error.message}` }, text: (raw ?? '').slice(0, MAX_TEXT) });
  });
  const source = createReadStream(path, { highWaterMark: 256 * 1024 });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let end = 0;
  for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: Info; raw: string }>) {
    end = row.info.bytes;
    while (skipped.length && skipped[0]!.line < row.info.lines) yield { ...skipped.shift()!, end };
    yield csvItem(records, row.record, row.info.lines, end, row.raw);
  }
  for (const item of skipped) yield { ...item, end };
}

function csvItem({ kind, type: recordType }: Records, row: Record<string, string>, line: number, end: number, raw: string): Item {
  const cells: Record<string, unknown> = {};
  const text = raw.replace(/\r?\n$/, '').slice(0, MAX_TEXT);
  for (const [column, value] of Object.entries(row)) {
    if (value === undefined || value === '') continue;
    const type = kind.csvColumns[column];
    if (type === 'int') {
      const number = Number(value);
      if (!Number.isInteger(number)) return { line, end, problem: { code: 'INVALID_INPUT', field: column, message: `${column} must be a whole number; got ${JSON.stringify(value)}` }, text };
      cells[column] = number;
    } else if (type === 'float') {
      const number = value.trim() === '' ? Number.NaN : Number(value);
      if (!Number.isFinite(number)) return { line, end, problem: { code: 'INVALID_INPUT', field: column, message: `${column} must be a number; got ${JSON.stringify(value)}` }, text };
      cells[column] = number;
    } else if (type === 'json') {
      try {
        cells[column] = JSON.parse(value);
      } catch (error) {
        return { line, end, problem: { code: 'INVALID_INPUT', field: column, message: `${column} is not valid JSON: ${(error as Error).message}` }, text };
      }
    } else {
      cells[column] = value;
    }
  }
  const record = kind.fromCsv(cells);
  const problem = checkRecord(recordType, record);
  return problem ? { line, end, problem, text } : { line, end, record };
}
