import { rulesToAST } from '@casl/ability/extra';
import type { AppAbility } from './ability.js';

interface AstNode {
  operator: string;
  field?: string;
  value: unknown;
}

/**
 * The unit paths under which `action` on `subjectType` can hold at all, read off the same
 * rules that filter lists: every allowing branch must carry a `$within`; a branch without one
 * could match anywhere and yields `null` (watch everything). Used to index live subscribers.
 */
export function scopeRoots(ability: AppAbility, action: string, subjectType: string): string[] | null {
  const ast = rulesToAST(ability as never, action as never, subjectType as never) as AstNode | null;
  if (ast === null) return [];
  const branches = ast.operator === 'or' ? (ast.value as AstNode[]) : [ast];
  const roots = new Set<string>();
  for (const branch of branches) {
    const root = withinOf(branch);
    if (root === undefined) return null;
    roots.add(root);
  }
  return [...roots];
}

function withinOf(node: AstNode): string | undefined {
  if (node.operator === 'within' && typeof node.value === 'string') return node.value;
  if (node.operator === 'and') {
    for (const child of node.value as AstNode[]) {
      const found = withinOf(child);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
