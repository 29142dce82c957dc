import 'reflect-metadata';
import { Field, ID, InterfaceType } from 'type-graphql';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { RequestContext } from '../context.js';

/**
 * Relay's Global Object Identification. Terminology
 * - node: a record with an `id` no record of another type shares, so that `node(id:)` finds
 *   its type again. Record ids are random UUIDs (and a unit's id is its code, digits only), so
 *   the ids the API has always given out are global as they are.
 * - node kind: what a module tells the `node` query about one of its types: where its ids live
 *   and how its own single-record query reads one (scope, masking, NOT_FOUND and all).
 */
@InterfaceType('Node', { description: 'A record that can be fetched again by its id alone, with `node(id:)` (Relay Global Object Identification).' })
export abstract class Node {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record and no other.' })
  id!: string;
}

export interface NodeKind {
  /** The GraphQL type, e.g. `Alert`. */
  readonly type: string;
  /** The table and the column its ids are in (its primary key). */
  readonly table: PgTable;
  readonly key: AnyPgColumn;
  /** Whether a string could be one of its ids at all (a UUID, a unit code): others never reach SQL. */
  accepts(id: string): boolean;
  /** The record as the type's own query answers it; throws NOT_FOUND (or FORBIDDEN) when the caller may not read it. */
  load(ctx: RequestContext, id: string): Promise<object>;
}
