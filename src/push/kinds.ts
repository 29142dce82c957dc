import {
  coerceInputValue,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLNamedInputType,
  type GraphQLSchema,
} from 'graphql';
import type { HubModule, PushKind } from '../platform/module.js';
import { invariant } from '../platform/invariant.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../platform/json.js';
import { MODULES } from '../modules/index.js';

export type { PushKind } from '../platform/module.js';

/**
 * What `gridhub push` can send: the push kinds of the modules (their manifests' `push`), by
 * `--kind` name. Each record is checked before it is sent against the schema's own input type
 * of a record (`coerceInputValue`, as GraphQL coerces a variable), because GraphQL refuses a
 * whole request when one variable cannot be read: a bad line must be rejected alone.
 */
export const PUSH_KINDS: Readonly<Record<string, PushKind>> = Object.fromEntries(
  MODULES.flatMap((module: HubModule) => module.push ?? []).map((kind) => [kind.name, kind]),
);

/** The mutation `push` sends: only what it needs back (counts, and each record's status and error). */
export function mutationOf(kind: PushKind): string {
  return `mutation Push($input: ${kind.inputType}!) { ${kind.mutation}(input: $input) { accepted duplicates rejected skipped results { status error { code field message } } } }`;
}

/** The input type of one record of `kind` in `schema`: the item type of its input's `records`. */
export function recordTypeOf(schema: GraphQLSchema, kind: PushKind): GraphQLInputObjectType {
  const input = schema.getType(kind.inputType);
  invariant(isInputObjectType(input), `${kind.inputType} is an input type of the schema`);
  const records = input.getFields()['records'];
  const record = records && getNamedType(records.type);
  invariant(records && isListType(isNonNullType(records.type) ? records.type.ofType : records.type) && isInputObjectType(record), `${kind.inputType}.records is a list of input objects`);
  return record;
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

/** Checks one record against its input type; undefined when GraphQL will accept it. */
export function checkRecord(recordType: GraphQLInputObjectType, record: unknown): LocalProblem | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return invalid(null, 'a record must be a JSON object');
  // Before anything walks it recursively (coercion, then JSON.stringify when the batch is sent).
  for (const [field, value] of Object.entries(record)) {
    if (nestedDeeperThan(value, MAX_JSON_DEPTH)) return invalid(field, `${field} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  const problems: LocalProblem[] = [];
  coerceInputValue(record, recordType, (path, value, error) => problems.push(problemOf(recordType, path, value, error)));
  // As a reader goes: a field that does not exist at all is named before the values of the others.
  return problems.find((problem) => problem.message.startsWith('unknown field')) ?? problems[0];
}

/** The named type at `path` below `type` (fields by name, list items by index). */
function typeAt(type: GraphQLInputType, path: readonly (string | number)[]): GraphQLNamedInputType | undefined {
  let current: GraphQLInputType | undefined = type;
  for (const step of path) {
    if (current === undefined) return undefined;
    if (isNonNullType(current)) current = current.ofType;
    if (typeof step === 'number') {
      current = isListType(current) ? current.ofType : current;
    } else {
      const named: GraphQLNamedInputType = getNamedType(current);
      current = isInputObjectType(named) ? named.getFields()[step]?.type : undefined;
    }
  }
  return current === undefined ? undefined : getNamedType(current);
}

/** `coerceInputValue`'s complaint, told as the field it concerns and what it must be. */
function problemOf(recordType: GraphQLInputObjectType, path: readonly (string | number)[], value: unknown, error: GraphQLError): LocalProblem {
  // Missing and unknown fields are reported on the object that holds them.
  const missing = /^Field "([^"]+)" of required type "[^"]+" was not provided\./.exec(error.message);
  if (missing) return invalid([...path, missing[1]].join('.'), `${[...path, missing[1]].join('.')} is required`);
  const unknown = /^Field "([^"]+)" is not defined by type "[^"]+"\./.exec(error.message);
  if (unknown) {
    const field = [...path, unknown[1]].join('.');
    const holder = typeAt(recordType, path);
    const fields = isInputObjectType(holder) ? Object.keys(holder.getFields()).join(', ') : '';
    return invalid(field, `unknown field "${field}"; fields are ${fields}`);
  }
  const field = path.join('.');
  if (value === null) return invalid(field, `${field} is required`);
  const type = typeAt(recordType, path);
  if (isEnumType(type)) return invalid(field, `${field} must be one of ${type.getValues().map((v) => v.name).join(', ')}; got ${JSON.stringify(value)}`);
  if (isInputObjectType(type)) return invalid(field, `${field} must be an object`);
  switch (type?.name) {
    case 'String':
    case 'ID':
      return invalid(field, `${field} must be a string`);
    case 'Float':
      return invalid(field, `${field} must be a number`);
    case 'Int':
      return invalid(field, `${field} must be a whole number`);
    case 'DateTime':
      return invalid(field, `${field} must be an RFC 3339 date-time such as 2026-11-28T09:30:00Z; got ${JSON.stringify(value)}`);
    case 'JSONObject':
      return invalid(field, `${field} must be a JSON object`);
    default:
      return invalid(field, `${field}: ${error.message}`);
  }
}
