import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * Terminology
 * - cost: what an operation may make the hub do, counted before it runs, from its text and
 *   variables alone (demand control). A field that returns an object costs 1, a scalar or enum
 *   0; a field with a `first` argument multiplies the cost of its selection by `first` (its
 *   default when the caller gives none), and so does every nested one: `alerts(first: 100)
 *   { edges { node { unit { name } } } }` costs 1 + 100 × (1 + 1 + 1) = 301. A list field with
 *   no `first` is counted as ASSUMED_LIST_SIZE items, except the `edges`/`nodes` of a
 *   connection, which `first` already counted. A mutation's root field costs MUTATION_COST more.
 *   Introspection fields (`__schema`, `__typename`) cost nothing.
 * - aliases: fields the operation renames (`a1: alerts`), counted wherever they are.
 * - root fields: the fields at the top of the operation.
 */
export interface OperationMeasure {
  readonly cost: number;
  readonly aliases: number;
  readonly rootFields: number;
}

/** How many items a list field without a `first` argument is counted as. */
export const ASSUMED_LIST_SIZE = 20;
/** What each root field of a mutation adds: a write is dearer than a read (Apollo Router's default). */
export const MUTATION_COST = 10;

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** The operation `operationName` names (or the only one), or undefined. */
export function operationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/** An integer argument's value: a literal, a variable, or the argument's default. */
function intArgument(field: GraphQLField<unknown, unknown>, node: FieldNode, name: string, variables: Variables): number | undefined {
  const definition = field.args.find((arg) => arg.name === name);
  if (!definition) return undefined;
  const given: ValueNode | undefined = node.arguments?.find((arg) => arg.name.value === name)?.value;
  let value: unknown = definition.defaultValue;
  if (given?.kind === Kind.INT) value = Number(given.value);
  else if (given?.kind === Kind.VARIABLE) value = variables?.[given.name.value] ?? definition.defaultValue;
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
}

/** How many times a field's selection is counted. */
function multiplierOf(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables, defaultPage: number): number {
  if (field.args.some((arg) => arg.name === 'first')) return intArgument(field, node, 'first', variables) ?? defaultPage;
  if (!isListType(getNullableType(field.type))) return 1;
  return parent.name.endsWith('Connection') ? 1 : ASSUMED_LIST_SIZE;
}

/**
 * Measures an operation (already validated: every field exists). Fragments are measured once
 * each and reused, so a text whose fragments spread each other many times is not walked
 * exponentially.
 */
export function measureOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Variables, defaultPage: number): OperationMeasure | undefined {
  const operation = operationOf(document, operationName);
  if (!operation) return undefined;
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const measured = new Map<string, number>();

  const fragmentMeasure = (name: string, visiting: Set<string>): number => {
    const known = measured.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
    if (!fragment || !type || !isCompositeType(type) || visiting.has(name)) return 0;
    visiting.add(name);
    const result = selectionMeasure(type, fragment.selectionSet, visiting);
    visiting.delete(name);
    measured.set(name, result);
    return result;
  };

  const fieldMeasure = (parent: GraphQLCompositeType, node: FieldNode, visiting: Set<string>): number => {
    if (node.name.value.startsWith('__') || !('getFields' in parent)) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0;
    const type = getNamedType(field.type);
    if (!isCompositeType(type) || !node.selectionSet) return 0;
    return 1 + multiplierOf(parent, field, node, variables, defaultPage) * selectionMeasure(type, node.selectionSet, visiting);
  };

  const selectionMeasure = (parent: GraphQLCompositeType, set: SelectionSetNode, visiting: Set<string>): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += fieldMeasure(parent, selection, visiting);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) total += fragmentMeasure(selection.name.value, visiting);
      else {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) total += selectionMeasure(condition, selection.selectionSet, visiting);
      }
    }
    return total;
  };

  const rootFields = rootFieldsOf(operation.selectionSet, fragments, new Set());
  const body = selectionMeasure(root, operation.selectionSet, new Set());
  const writes = operation.operation === 'mutation' ? MUTATION_COST * rootFields : 0;
  // Aliases are counted as written, not multiplied: `first` multiplies work, not text.
  return { cost: body + writes, aliases: countAliases(operation.selectionSet, fragments, new Map()), rootFields };
}

/** The fields at the top of an operation, through its fragments. */
function rootFieldsOf(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldsOf(selection.selectionSet, fragments, visiting);
    else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      count += rootFieldsOf(fragment.selectionSet, fragments, visiting);
      visiting.delete(fragment.name.value);
    }
  }
  return count;
}

/** Aliases in a selection, each fragment counted once per spread (memoised). */
function countAliases(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, memo: Map<string, number>): number {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias) count += 1;
      if (selection.selectionSet) count += countAliases(selection.selectionSet, fragments, memo);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) count += countAliases(selection.selectionSet, fragments, memo);
    else {
      const name = selection.name.value;
      if (!memo.has(name)) {
        memo.set(name, 0); // a cycle counts nothing (validation refuses cycles anyway)
        const fragment = fragments.get(name);
        memo.set(name, fragment ? countAliases(fragment.selectionSet, fragments, memo) : 0);
      }
      count += memo.get(name) ?? 0;
    }
  }
  return count;
}
