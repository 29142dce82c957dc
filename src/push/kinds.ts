import { DateTimeResolver } from 'graphql-scalars';
import { ALERT_TYPES, SEVERITIES } from '../modules/alerts/index.js';
import { DEVICE_STATUSES, DEVICE_TYPES } from '../modules/devices/index.js';
import { REQUEST_CATEGORIES } from '../modules/requests/index.js';
import { EVENT_CATEGORY_CODES } from '../modules/categories/index.js';

/**
 * What `gridhub push` can send: one entry per ingestable record kind. An entry names the
 * mutation and its input type, and says how a record is read from an NDJSON object or a CSV
 * row. Each record is checked here against the mutation's input type (required fields, enums,
 * times, numbers, JSON objects, no unknown fields), because GraphQL refuses a whole request
 * when one variable cannot be read: a bad line must be rejected alone, before it is sent.
 *
 * Adding a kind (cases, patrols, …) is one entry in PUSH_KINDS, once its mutation exists.
 */

/** The type of one input field, as the mutation's input type declares it. */
export type FieldType =
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'datetime' }
  | { kind: 'float' }
  | { kind: 'int' }
  | { kind: 'object' }
  | { kind: 'list'; item: FieldType }
  | { kind: 'input'; fields: Readonly<Record<string, FieldSpec>> };

export interface FieldSpec {
  readonly type: FieldType;
  readonly required: boolean;
}

/** A CSV cell's value: empty cells are absent; typed columns are parsed. */
export type CsvColumnType = 'string' | 'float' | 'int' | 'json';

export interface PushKind {
  /** `--kind` value. */
  readonly name: string;
  /** The ingest mutation, e.g. `ingestAlerts`. */
  readonly mutation: string;
  /** Its input type, e.g. `IngestAlertsInput` (`{ source, records, atomic }`). */
  readonly inputType: string;
  /** The fields of one record. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** CSV: the header names and how each cell is read. */
  readonly csvColumns: Readonly<Record<string, CsvColumnType>>;
  /** CSV: the record made of a row's typed cells (absent cells are left out). */
  fromCsv(cells: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

const string = (required: boolean): FieldSpec => ({ type: { kind: 'string' }, required });

const alertsKind: PushKind = {
  name: 'alerts',
  mutation: 'ingestAlerts',
  inputType: 'IngestAlertsInput',
  fields: {
    externalId: string(true),
    type: { type: { kind: 'enum', values: ALERT_TYPES }, required: true },
    severity: { type: { kind: 'enum', values: SEVERITIES }, required: true },
    occurredAt: { type: { kind: 'datetime' }, required: true },
    unitCode: string(true),
    deviceExternalId: string(false),
    location: {
      type: { kind: 'input', fields: { lat: { type: { kind: 'float' }, required: true }, lng: { type: { kind: 'float' }, required: true } } },
      required: false,
    },
    payload: { type: { kind: 'object' }, required: false },
  },
  csvColumns: {
    externalId: 'string',
    type: 'string',
    severity: 'string',
    occurredAt: 'string',
    unitCode: 'string',
    deviceExternalId: 'string',
    lat: 'float',
    lng: 'float',
    payload: 'json',
  },
  fromCsv(cells) {
    const { lat, lng, ...rest } = cells;
    // Both or neither: one alone is kept as it is, and the check then names the missing one.
    if (lat === undefined && lng === undefined) return rest;
    return { ...rest, location: { ...(lat !== undefined ? { lat } : {}), ...(lng !== undefined ? { lng } : {}) } };
  },
};

const location: FieldSpec = {
  type: { kind: 'input', fields: { lat: { type: { kind: 'float' }, required: true }, lng: { type: { kind: 'float' }, required: true } } },
  required: false,
};

/** CSV `lat`,`lng` → `location`: both or neither; one alone is kept, and the check then names the missing one. */
function withLocation(cells: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { lat, lng, ...rest } = cells;
  if (lat === undefined && lng === undefined) return rest;
  return { ...rest, location: { ...(lat !== undefined ? { lat } : {}), ...(lng !== undefined ? { lng } : {}) } };
}

/** Device registrations and updates (`ingestDevices`). */
const devicesKind: PushKind = {
  name: 'devices',
  mutation: 'ingestDevices',
  inputType: 'IngestDevicesInput',
  fields: {
    externalId: string(true),
    type: { type: { kind: 'enum', values: DEVICE_TYPES }, required: true },
    name: string(true),
    model: string(false),
    unitCode: string(true),
    location,
    departmentCode: string(false),
    heartbeatIntervalSeconds: { type: { kind: 'int' }, required: false },
    address: string(false),
    holderName: string(false),
    holderPhone: string(false),
    holderIdNumber: string(false),
    attributes: { type: { kind: 'object' }, required: false },
  },
  csvColumns: {
    externalId: 'string',
    type: 'string',
    name: 'string',
    model: 'string',
    unitCode: 'string',
    lat: 'float',
    lng: 'float',
    departmentCode: 'string',
    heartbeatIntervalSeconds: 'int',
    address: 'string',
    holderName: 'string',
    holderPhone: 'string',
    holderIdNumber: 'string',
    attributes: 'json',
  },
  fromCsv: withLocation,
};

/** Work orders from another system (e.g. the 12345 hotline) → ingestCases. */
const casesKind: PushKind = {
  name: 'cases',
  mutation: 'ingestCases',
  inputType: 'IngestCasesInput',
  fields: {
    externalId: string(true),
    unitCode: string(true),
    title: string(true),
    description: string(false),
    category: { type: { kind: 'enum', values: EVENT_CATEGORY_CODES }, required: true },
    severity: { type: { kind: 'enum', values: SEVERITIES }, required: true },
    reportedAt: { type: { kind: 'datetime' }, required: false },
    location,
    reporterName: string(false),
    reporterPhone: string(false),
  },
  csvColumns: {
    externalId: 'string',
    unitCode: 'string',
    title: 'string',
    description: 'string',
    category: 'string',
    severity: 'string',
    reportedAt: 'string',
    lat: 'float',
    lng: 'float',
    reporterName: 'string',
    reporterPhone: 'string',
  },
  fromCsv: withLocation,
};

/** Device heartbeats (`heartbeatDevices`). */
const heartbeatsKind: PushKind = {
  name: 'heartbeats',
  mutation: 'heartbeatDevices',
  inputType: 'HeartbeatDevicesInput',
  fields: {
    externalId: string(true),
    at: { type: { kind: 'datetime' }, required: true },
    status: { type: { kind: 'enum', values: DEVICE_STATUSES }, required: false },
  },
  csvColumns: { externalId: 'string', at: 'string', status: 'string' },
  fromCsv: (cells) => ({ ...cells }),
};

/** Resident requests made through another channel (`ingestResidentRequests`). */
const requestsKind: PushKind = {
  name: 'requests',
  mutation: 'ingestResidentRequests',
  inputType: 'IngestResidentRequestsInput',
  fields: {
    externalId: string(true),
    category: { type: { kind: 'enum', values: REQUEST_CATEGORIES }, required: true },
    text: string(true),
    unitCode: string(true),
    submittedAt: { type: { kind: 'datetime' }, required: true },
    photoUrl: string(false),
    location,
    address: string(false),
    contactName: string(false),
    contactPhone: string(false),
  },
  csvColumns: {
    externalId: 'string',
    category: 'string',
    text: 'string',
    unitCode: 'string',
    submittedAt: 'string',
    photoUrl: 'string',
    lat: 'float',
    lng: 'float',
    address: 'string',
    contactName: 'string',
    contactPhone: 'string',
  },
  fromCsv: withLocation,
};

const findingFields: Readonly<Record<string, FieldSpec>> = {
  category: { type: { kind: 'enum', values: EVENT_CATEGORY_CODES }, required: true },
  description: string(true),
  severity: { type: { kind: 'enum', values: SEVERITIES }, required: true },
  location,
  photoUrls: { type: { kind: 'list', item: { kind: 'string' } }, required: false },
};

/** Patrol reports from a grid-management system → ingestPatrolReports; in CSV, `findings` is a JSON array cell. */
const patrolsKind: PushKind = {
  name: 'patrols',
  mutation: 'ingestPatrolReports',
  inputType: 'IngestPatrolReportsInput',
  fields: {
    externalId: string(true),
    gridCode: string(true),
    filedBy: string(true),
    startedAt: { type: { kind: 'datetime' }, required: true },
    endedAt: { type: { kind: 'datetime' }, required: true },
    routeNote: string(false),
    findings: { type: { kind: 'list', item: { kind: 'input', fields: findingFields } }, required: false },
  },
  csvColumns: {
    externalId: 'string',
    gridCode: 'string',
    filedBy: 'string',
    startedAt: 'string',
    endedAt: 'string',
    routeNote: 'string',
    findings: 'json',
  },
  fromCsv: (cells) => ({ ...cells }),
};

export const PUSH_KINDS: Readonly<Record<string, PushKind>> = {
  alerts: alertsKind,
  devices: devicesKind,
  heartbeats: heartbeatsKind,
  requests: requestsKind,
  cases: casesKind,
  patrols: patrolsKind,
};

/** The mutation `push` sends: only what it needs back (counts, and each record's status and error). */
export function mutationOf(kind: PushKind): string {
  return `mutation Push($input: ${kind.inputType}!) { ${kind.mutation}(input: $input) { accepted duplicates rejected skipped results { status error { code field message } } } }`;
}

/**
 * Why a record cannot be sent. UNREADABLE: the line is not JSON (or not CSV) at all;
 * INVALID_INPUT: it reads, but GraphQL would refuse it (a missing or unknown field, a value
 * of the wrong type, a type or severity that does not exist).
 */
export interface LocalProblem {
  code: 'UNREADABLE' | 'INVALID_INPUT';
  field: string | null;
  message: string;
}

const invalid = (field: string | null, message: string): LocalProblem => ({ code: 'INVALID_INPUT', field, message });

/** Checks one record against the kind's input type; undefined when GraphQL will accept it. */
export function checkRecord(kind: PushKind, record: unknown): LocalProblem | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return invalid(null, 'a record must be a JSON object');
  return checkObject(kind.fields, record as Record<string, unknown>, '');
}

function checkObject(fields: Readonly<Record<string, FieldSpec>>, value: Record<string, unknown>, prefix: string): LocalProblem | undefined {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) return invalid(`${prefix}${key}`, `unknown field "${prefix}${key}"; fields are ${Object.keys(fields).join(', ')}`);
  }
  for (const [name, spec] of Object.entries(fields)) {
    const field = `${prefix}${name}`;
    const v = value[name];
    if (v === undefined || v === null) {
      if (spec.required) return invalid(field, `${field} is required`);
      continue;
    }
    const problem = checkValue(spec.type, v, field);
    if (problem) return problem;
  }
  return undefined;
}

function checkValue(type: FieldType, value: unknown, field: string): LocalProblem | undefined {
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' ? undefined : invalid(field, `${field} must be a string`);
    case 'enum':
      return typeof value === 'string' && type.values.includes(value) ? undefined : invalid(field, `${field} must be one of ${type.values.join(', ')}; got ${JSON.stringify(value)}`);
    case 'datetime':
      try {
        if (typeof value !== 'string') throw new Error('not a string');
        DateTimeResolver.parseValue(value);
        return undefined;
      } catch {
        return invalid(field, `${field} must be an RFC 3339 date-time such as 2026-11-28T09:30:00Z; got ${JSON.stringify(value)}`);
      }
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : invalid(field, `${field} must be a number`);
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) < 2 ** 31 ? undefined : invalid(field, `${field} must be a whole number`);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : invalid(field, `${field} must be a JSON object`);
    case 'list': {
      if (!Array.isArray(value)) return invalid(field, `${field} must be a list`);
      for (const [i, item] of value.entries()) {
        const problem = checkValue(type.item, item, `${field}.${i}`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'input':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? checkObject(type.fields, value as Record<string, unknown>, `${field}.`)
        : invalid(field, `${field} must be an object`);
  }
}
