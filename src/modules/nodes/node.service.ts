import { sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import { requirePrincipal } from '../../platform/auth/guard.js';
import { executeRows } from '../../platform/db/rows.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import type { NodeKind } from '../../platform/graphql/node.js';

/** How many ids one `nodes(ids:)` may ask for: the largest page of any list. */
export const MAX_NODE_IDS = 100;

/** What each module gives under `nodeKinds`: the types of its records that are nodes. */
export type NodeKindsHook = readonly NodeKind[];

declare module '../../platform/hooks.js' {
  interface Hooks {
    /** The node types a module owns (NodeKind): `node(id:)` and `nodes(ids:)` read through them. */
    nodeKinds: NodeKindsHook;
  }
}

/** An id is at most this long: no kind's ids are longer (UUIDs are 36). */
const MAX_ID_LENGTH = 64;

/** The kind whose table holds `id`, found with one statement of primary-key probes. */
async function kindOf(ctx: RequestContext, id: string): Promise<NodeKind | undefined> {
  const candidates = ctx.hub.hooks('nodeKinds').flat().filter((kind) => kind.accepts(id));
  if (candidates.length === 0) return undefined;
  const probes = candidates.map((kind) => sql`select ${kind.type}::text as "type" from ${kind.table} where ${kind.key} = ${id}`);
  const [hit] = await executeRows<{ type: string }>(ctx.db, sql`${sql.join(probes, sql` union all `)} limit 1`);
  return candidates.find((kind) => kind.type === hit?.type);
}

/**
 * The record an id names, exactly as its type's own query would answer the caller; null for an
 * id that is malformed, names nothing, or names a record outside the caller's scope (a denial
 * noted for the audit log when it exists, as the type's query notes it).
 */
export async function loadNode(ctx: RequestContext, id: string): Promise<object | null> {
  requirePrincipal(ctx);
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return null;
  const kind = await kindOf(ctx, id);
  if (!kind) return null;
  try {
    return await kind.load(ctx, id);
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof ForbiddenError) return null;
    throw error;
  }
}

/** `nodes(ids:)`: one answer per id, in order; null where `node(id:)` would answer null. */
export async function loadNodes(ctx: RequestContext, ids: readonly string[]): Promise<(object | null)[]> {
  requirePrincipal(ctx);
  if (ids.length > MAX_NODE_IDS) throw new BadUserInputError(`ids may name at most ${MAX_NODE_IDS} records`, 'ids');
  const answers: (object | null)[] = [];
  for (const id of ids) answers.push(await loadNode(ctx, id));
  return answers;
}
