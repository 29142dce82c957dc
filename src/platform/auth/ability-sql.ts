import { rulesToAST } from '@casl/ability/extra';
import { and, or, not, eq, ne, lt, lte, gt, gte, inArray, notInArray, isNull, isNotNull, sql, type SQL, type AnyColumn } from 'drizzle-orm';
import type { AppAbility, Action, SubjectName } from './ability.js';

/**
 * How a subject's condition fields map to SQL. `column` serves the comparison operators;
 * `within` turns a `$within` unit path into a predicate (for record tables, an equality on
 * the column of that tier's code, so that it is one index range scan at every tier).
 */
export interface FieldSql {
  column?: AnyColumn;
  within?: (path: string) => SQL;
}
export type FieldMap = Readonly<Record<string, FieldSql>>;

interface AstNode {
  operator: string;
  field?: string;
  value: unknown;
}

class UntranslatableRuleError extends Error {
  override readonly name = 'UntranslatableRuleError';
}

const TRUE = sql`true`;
const FALSE = sql`false`;

function columnOf(fields: FieldMap, node: AstNode): AnyColumn {
  const column = node.field === undefined ? undefined : fields[node.field]?.column;
  if (!column) throw new UntranslatableRuleError(`no column for field "${node.field}" (operator ${node.operator})`);
  return column;
}

function translate(node: AstNode, fields: FieldMap): SQL {
  switch (node.operator) {
    case 'and': {
      const parts = (node.value as AstNode[]).map((child) => translate(child, fields));
      return parts.length === 0 ? TRUE : (and(...parts) as SQL);
    }
    case 'or': {
      const parts = (node.value as AstNode[]).map((child) => translate(child, fields));
      return parts.length === 0 ? FALSE : (or(...parts) as SQL);
    }
    case 'not': {
      const children = Array.isArray(node.value) ? (node.value as AstNode[]) : [node.value as AstNode];
      const inner = children.length === 1 ? translate(children[0] as AstNode, fields) : (and(...children.map((c) => translate(c, fields))) as SQL);
      return not(inner);
    }
    case 'eq':
      return node.value === null ? isNull(columnOf(fields, node)) : eq(columnOf(fields, node), node.value);
    case 'ne':
      return node.value === null ? isNotNull(columnOf(fields, node)) : (or(ne(columnOf(fields, node), node.value), isNull(columnOf(fields, node))) as SQL);
    case 'lt':
      return lt(columnOf(fields, node), node.value);
    case 'lte':
      return lte(columnOf(fields, node), node.value);
    case 'gt':
      return gt(columnOf(fields, node), node.value);
    case 'gte':
      return gte(columnOf(fields, node), node.value);
    case 'in': {
      const values = node.value as unknown[];
      return values.length === 0 ? FALSE : inArray(columnOf(fields, node), values);
    }
    case 'nin': {
      const values = node.value as unknown[];
      return values.length === 0 ? TRUE : (or(notInArray(columnOf(fields, node), values), isNull(columnOf(fields, node))) as SQL);
    }
    case 'within': {
      const within = node.field === undefined ? undefined : fields[node.field]?.within;
      if (!within) throw new UntranslatableRuleError(`field "${node.field}" has no $within translation`);
      return within(node.value as string);
    }
    default:
      // Failing closed: an operator we cannot translate must not silently widen (under a NOT,
      // a guessed `false` would become `true`).
      throw new UntranslatableRuleError(`operator "${node.operator}" has no SQL translation`);
  }
}

/**
 * The rows of `subjectType` that `ability` allows `action` on, as a drizzle predicate.
 * No rule → `false`; an unconditional rule → `true`. Rules that grant only some fields still
 * make a row visible (CASL counts them); fields are checked one by one elsewhere.
 */
export function abilityToSql(ability: AppAbility, action: Action, subjectType: SubjectName, fields: FieldMap): SQL {
  let byKey = translated.get(ability);
  if (!byKey) translated.set(ability, (byKey = new Map()));
  let fieldMapId = fieldMapIds.get(fields);
  if (fieldMapId === undefined) fieldMapIds.set(fields, (fieldMapId = nextFieldMapId++));
  const key = `${action}\u0000${subjectType}\u0000${fieldMapId}`;
  const known = byKey.get(key);
  if (known) return known;
  const ast = rulesToAST(ability as never, action as never, subjectType as never) as AstNode | null;
  const predicate = ast === null ? FALSE : translate(ast, fields);
  byKey.set(key, predicate);
  return predicate;
}

/**
 * The predicates already translated, per ability: an ability's rules never change once built
 * (a principal's access is rebuilt as a new ability when its grants change), and a bearer
 * token's ability is kept by the access cache, so a principal's page asks CASL and the
 * translation once, not on every request. Predicates are never mutated: every use wraps them.
 */
const translated = new WeakMap<AppAbility, Map<string, SQL>>();
const fieldMapIds = new WeakMap<FieldMap, number>();
let nextFieldMapId = 0;
