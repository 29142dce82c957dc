import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function collect(set: SelectionSetNode | undefined, name: string, info: GraphQLResolveInfo, out: FieldNode[]): void {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) out.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(selection.selectionSet, name, info, out);
    } else {
      collect(info.fragments[selection.name.value]?.selectionSet, name, info, out);
    }
  }
}

/**
 * Whether the operation selects `path` below the field being resolved (through aliases and
 * fragments), e.g. `['edges', 'node', 'unit']` under a connection: a service then fetches
 * what the selection needs in the same statement. `@skip`/`@include` are not evaluated: a
 * skipped field only costs a join it did not need.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) collect(node.selectionSet, name, info, next);
    if (next.length === 0) return false;
    nodes = next;
  }
  return true;
}

/**
 * The names of the fields the operation selects at `path` below the field being resolved
 * (through aliases and fragments; `@skip`/`@include` not evaluated, so at most a superset), e.g.
 * `['edges', 'node']` under a connection: `id`, `type`, `unit`, … Empty when nothing is selected there.
 */
export function selectedNames(info: GraphQLResolveInfo, path: readonly string[]): Set<string> {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) collect(node.selectionSet, name, info, next);
    nodes = next;
  }
  const names = new Set<string>();
  const add = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) add(selection.selectionSet);
      else add(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of nodes) add(node.selectionSet);
  return names;
}

/**
 * Whether the field names `selectedNames` found stay within `allowed` (`__typename` always
 * does): a service then reads the lean columns that answer them. False when the selection is
 * not known (undefined).
 */
export function selectsOnly(selected: ReadonlySet<string> | undefined, allowed: ReadonlySet<string>): boolean {
  return selected !== undefined && [...selected].every((name) => name === '__typename' || allowed.has(name));
}
