import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { accessFor } from '../../src/access.js';
import { loadPrincipal } from '../../src/modules/principals/index.js';
import { DEMO_PRINCIPALS } from '../../src/seed/demo.js';
import { demoUnits } from '../../src/seed/demo-units.js';
import { tables } from '../../src/tables.js';
import type { AlertRow } from '../../src/modules/alerts/index.js';
import { DEVICE_PERSONAL_FIELDS, type DeviceRow } from '../../src/modules/devices/index.js';
import { CASE_PERSONAL_FIELDS, type CaseRow } from '../../src/modules/cases/index.js';
import { CASE_MASKS } from '../../src/modules/cases/case.policy.js';
import { maskFreeText } from '../../src/platform/privacy/free-text.js';
import { mayRead, mayReadCase, mayUnmask, mayUnmaskCase, type Case } from '../permissions/oracle.js';

/**
 * A fuzzer built from the schema itself (schema/schema.graphql): random queries — any root
 * field of Query, random selections of scalar and object fields down to depth 3 below a
 * record, random arguments (valid ones of the right type, and invalid ones: wrong types,
 * malformed ids and cursors, huge numbers, unknown fields and arguments, bad enum values, deep
 * nesting) — sent over HTTP by a random demo principal, an anonymous caller or a forged
 * token. Every answer must be a coded one (never a 500, never INTERNAL_SERVER_ERROR); every
 * alert, device and case in it must be one the caller may read, with each personal field as
 * the no-leak oracle (test/permissions/oracle.ts) says: in full only where the rules unmask it.
 */

const SDL = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
const UNIT_CODES = demoUnits().map((u) => u.code);
const CHECKED = new Set(['Alert', 'Device', 'Case']);
const DEVICE_PERSONAL = ['address', 'holderName', 'holderPhone', 'holderIdNumber'] as const;
const MAX_DEPTH = 5;
const RECORD_ROOTS = ['alerts', 'alert', 'devices', 'device', 'cases', 'case', 'node', 'nodes'];
const CALLERS = [...DEMO_PRINCIPALS.map((p) => p.name), 'anonymous', 'forged'] as const;

type Draw = fc.GeneratorValue;
const chance = (g: Draw, inTen: number) => g(fc.integer, { min: 1, max: 10 }) <= inTen;
/** Half the operations are meant valid; the others carry faults, each place one in ten. */
let faulty = false;
const fault = (g: Draw) => faulty && chance(g, 1);

let hub: TestHub;
let schema: GraphQLSchema;
let callers: Map<string, Case>;
let alertRows: Map<string, AlertRow>;
let deviceRows: Map<string, DeviceRow>;
let caseRows: Map<string, CaseRow>;
let ids: string[];
let cursors: string[];

beforeAll(async () => {
  hub = await createTestHub();
  schema = buildSchema(SDL);
  const db = hub.database.db;
  alertRows = new Map((await db.select().from(tables.alerts)).map((r) => [r.id, r]));
  deviceRows = new Map((await db.select().from(tables.devices)).map((r) => [r.id, r]));
  caseRows = new Map((await db.select().from(tables.cases)).map((r) => [r.id, r]));
  const requestIds = (await db.select({ id: tables.residentRequests.id }).from(tables.residentRequests)).map((r) => r.id);
  // A spread of real ids of every kind, from every unit (scope must hold for ids outside it too).
  ids = [...alertRows.keys()].filter((_, i) => i % 97 === 0).concat([...deviceRows.keys()].filter((_, i) => i % 29 === 0), [...caseRows.keys()].slice(0, 20), requestIds.slice(0, 10));
  callers = new Map();
  for (const name of DEMO_PRINCIPALS.map((p) => p.name)) {
    const access = await accessFor(hub.handle.hub, await loadPrincipal(db, name, null));
    callers.set(name, { principal: access.principal, grants: access.grants });
  }
  cursors = [];
  for (const list of ['alerts', 'cases', 'devices']) {
    const { body } = await hub.gql<any>(`{ ${list}(first: 3) { pageInfo { startCursor endCursor } } }`, {}, { as: 'city.admin' });
    cursors.push(body.data[list].pageInfo.startCursor, body.data[list].pageInfo.endCursor);
  }
});
afterAll(async () => {
  await hub?.close();
});

// ---- argument values ------------------------------------------------------------------
const MALFORMED_IDS = ['not-an-id', '00000000-0000-0000-0000-000000000000', "' or 1=1 --", 'QWxlcnQ6MQ==', '../../etc/passwd', 'x'.repeat(5000), '', '\u0000'];
function malformedCursor(g: Draw): string {
  const real = g(fc.constantFrom, ...cursors) as string;
  return g(fc.constantFrom,
    Buffer.from(JSON.stringify({ id: g(fc.string), at: 'yesterday' })).toString('base64url'),
    Buffer.from(`${g(fc.string)}`).toString('base64'),
    `${real.slice(0, -2)}zz`,
    Buffer.from(Buffer.from(real, 'base64url').toString('utf8').replace(/[0-9a-f]{8}-/, 'zzzzzzzz-')).toString('base64url'),
    '%%%',
    'a'.repeat(10_000),
  ) as string;
}

/** A wrong literal for any type: another type's value, a huge number, a bad enum, a deep object. */
function invalidLiteral(g: Draw): string {
  return g(fc.constantFrom,
    '"not a number"',
    '2147483648',
    '-1',
    '1e308',
    '99999999999999999999',
    '3.5',
    'true',
    'null',
    'NOT_A_VALUE',
    '{ bogus: 1 }',
    '[1, "two", THREE]',
    `${'['.repeat(200)}1${']'.repeat(200)}`,
    `${'{ a: '.repeat(200)}1${' }'.repeat(200)}`,
    JSON.stringify('\u{1F600}'.repeat(100)),
  ) as string;
}

function stringFor(g: Draw, name: string): string {
  if (/unitcode|^code$|parentcode|communitycode/i.test(name)) return g(fc.constantFrom, ...UNIT_CODES) as string;
  if (name === 'after' || name === 'before') return chance(g, 6) ? (g(fc.constantFrom, ...cursors) as string) : malformedCursor(g);
  if (/^id$|Id$/.test(name)) return g(fc.constantFrom, ...ids) as string;
  return g(fc.string, { maxLength: 30 }) as string;
}

const dateIn = (g: Draw) => new Date(g(fc.integer, { min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }));

function scalarLiteral(g: Draw, type: GraphQLNamedType, name: string): string {
  switch (type.name) {
    case 'Int':
    case 'SafeInt':
      return String(name === 'first' || name === 'last' ? g(fc.integer, { min: 1, max: 50 }) : g(fc.integer, { min: 0, max: 1000 }));
    case 'Float':
      if (faulty) return String(g(fc.double, { noNaN: true, noDefaultInfinity: true }));
      if (/lat/i.test(name)) return String(g(fc.double, { min: 31.9, max: 32.1, noNaN: true }));
      if (/lng/i.test(name)) return String(g(fc.double, { min: 120.8, max: 121, noNaN: true }));
      return String(g(fc.double, { min: 10, max: 5000, noNaN: true }));
    case 'Boolean':
      return String(g(fc.boolean));
    case 'ID':
      return JSON.stringify(chance(g, 7) ? g(fc.constantFrom, ...ids) : g(fc.constantFrom, ...MALFORMED_IDS));
    case 'DateTime':
      return JSON.stringify(dateIn(g).toISOString());
    case 'LocalDate':
      return JSON.stringify(dateIn(g).toISOString().slice(0, 10));
    case 'JSONObject':
      return '{ note: "fuzz" }';
    default:
      return JSON.stringify(stringFor(g, name));
  }
}

function literal(g: Draw, type: GraphQLInputType, name: string, depth: number): string {
  if (depth < 3 && fault(g)) return invalidLiteral(g);
  if (isNonNullType(type)) return literal(g, type.ofType, name, depth);
  if (isListType(type)) {
    const length = g(fc.integer, { min: 0, max: 3 });
    return `[${Array.from({ length }, () => literal(g, type.ofType, name, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((v) => v.name)) as string;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || chance(g, 4));
    const extra = fault(g) ? ['bogusField: 1'] : [];
    return `{ ${fields.map((f) => `${f.name}: ${literal(g, f.type, f.name, depth + 1)}`).concat(extra).join(', ')} }`;
  }
  return scalarLiteral(g, type, name);
}

function argumentsFor(g: Draw, args: readonly GraphQLArgument[]): string {
  // Meant valid: the first page, forward (a cursor is only valid on the list that gave it).
  const usable = faulty ? args : args.filter((a) => !['last', 'before', 'after'].includes(a.name));
  const chosen = usable.filter((a) => (isNonNullType(a.type) ? !fault(g) : chance(g, 5)));
  const written = chosen.map((a) => `${a.name}: ${literal(g, a.type, a.name, 0)}`);
  if (fault(g)) written.push(`bogusArgument: ${invalidLiteral(g)}`);
  return written.length ? `(${written.join(', ')})` : '';
}

// ---- selections -----------------------------------------------------------------------
/** Fields that lead to records (a connection's edges and nodes) are always followed. */
const FOLLOW = new Set(['edges', 'node', 'nodes']);

function fieldSelection(g: Draw, field: GraphQLField<unknown, unknown>, depth: number): string | null {
  const named = getNamedType(field.type);
  const head = `${field.name}${argumentsFor(g, field.args)}`;
  if (isLeafType(named)) return head;
  if (depth >= MAX_DEPTH) return null;
  return `${head} ${selection(g, named, depth + 1)}`;
}

function objectSelection(g: Draw, type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields());
  // What the checks need: a record's kind and id, always.
  const parts = ['__typename', ...(CHECKED.has(type.name) ? ['id'] : [])];
  for (const field of fields) {
    if (!(FOLLOW.has(field.name) || chance(g, 3))) continue;
    const part = fieldSelection(g, field, depth);
    if (part) parts.push(part);
  }
  if (fault(g)) parts.push('bogusSelection');
  return `{ ${parts.join(' ')} }`;
}

function selection(g: Draw, type: GraphQLNamedType, depth: number): string {
  if (isAbstractType(type)) {
    const possible = schema.getPossibleTypes(type);
    const chosen = possible.filter(() => chance(g, 4));
    return `{ __typename ${chosen.map((t) => `... on ${t.name} ${objectSelection(g, t, depth)}`).join(' ')} }`;
  }
  if (isObjectType(type)) return objectSelection(g, type, depth);
  return '';
}

/** One random operation over the Query type: one to three root fields, sometimes aliased. */
function operation(g: Draw): string {
  faulty = g(fc.boolean);
  const roots = schema.getQueryType()!.getFields();
  const count = g(fc.integer, { min: 1, max: faulty ? 3 : 2 });
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    // Drawn by name: fast-check compares a draw's arguments, and schema objects are cyclic.
    // Half the draws go to the roots that return the records the oracle judges.
    const names = chance(g, 5) ? RECORD_ROOTS : Object.keys(roots);
    const field = roots[g(fc.constantFrom, ...names) as string]!;
    const part = fieldSelection(g, field, 0);
    if (part) parts.push(`r${i}: ${part}`);
  }
  if (fault(g)) parts.push(`deep: units ${'{ children '.repeat(40)}{ code }${' }'.repeat(40)}`);
  return `query Fuzz { ${parts.join(' ')} }`;
}

// ---- the checks -----------------------------------------------------------------------
function visit(value: unknown, each: (record: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, each);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['__typename'] === 'string' && CHECKED.has(record['__typename']) && typeof record['id'] === 'string') each(record);
    for (const child of Object.values(record)) visit(child, each);
  }
}

function checkRecord(caller: Case | undefined, record: Record<string, unknown>, now: Date): void {
  const id = record['id'] as string;
  const where = `${record['__typename']} ${id}`;
  expect(caller, `${where} reached a caller with no principal`).toBeDefined();
  const c = caller!;
  if (record['__typename'] === 'Alert') {
    const row = alertRows.get(id);
    expect(row && mayRead(c, 'Alert', row, now), `${where} is outside scope`).toBe(true);
  } else if (record['__typename'] === 'Device') {
    const row = deviceRows.get(id);
    expect(row && mayRead(c, 'Device', row, now), `${where} is outside scope`).toBe(true);
    for (const field of DEVICE_PERSONAL) {
      if (!(field in record)) continue;
      const raw = row![field];
      expect(record[field], `${field} of ${where}`).toBe(raw === null ? null : mayUnmask(c, 'Device', row!, field, now) ? raw : DEVICE_PERSONAL_FIELDS[field]!(raw));
    }
  } else {
    const row = caseRows.get(id);
    expect(row && mayReadCase(c, row, now), `${where} is outside scope`).toBe(true);
    for (const field of CASE_PERSONAL_FIELDS) {
      if (!(field in record)) continue;
      const raw = row![field];
      expect(record[field], `${field} of ${where}`).toBe(raw === null || raw === '' ? raw : mayUnmaskCase(c, row!, field, now) ? raw : CASE_MASKS[field](raw));
    }
    for (const field of ['title', 'description'] as const) {
      if (field in record) expect(record[field], `${field} of ${where}`).toBe(mayUnmaskCase(c, row!, 'reporterPhone', now) ? row![field] : maskFreeText(row![field]));
    }
  }
}

async function send(caller: string, query: string): Promise<{ status: number; body: any }> {
  const authorization = caller === 'anonymous' ? undefined : caller === 'forged' ? 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaXR5LmFkbWluIn0.forged' : `Bearer ${await hub.token(caller)}`;
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${response.status}: not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body };
}

describe('the schema fuzzer', () => {
  it('random valid and invalid queries by random callers: never a 500, never a record outside scope, never an unmasked field the rules forbid', async () => {
    const now = hub.handle.hub.clock.now();
    const seen = { data: 0, records: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CALLERS), fc.gen(), async (caller, g) => {
        const query = operation(g);
        const { status, body } = await send(caller, query);
        expect(status, query).toBeLessThan(500);
        const codes = (body.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code);
        expect(codes, query).not.toContain('INTERNAL_SERVER_ERROR');
        for (const code of codes) expect(typeof code, `an error without a code: ${JSON.stringify(body.errors)}`).toBe('string');
        if (body.data) seen.data++;
        visit(body.data, (record) => {
          seen.records++;
          checkRecord(callers.get(caller), record, now);
        });
      }),
      { numRuns: 200 },
    );
    // The fuzzer must reach past validation: some answers carry data, and records are judged.
    expect(seen.data).toBeGreaterThan(10);
    expect(seen.records).toBeGreaterThan(20);
  }, 120_000);
});
