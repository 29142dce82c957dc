import 'reflect-metadata';
import { Field, Int, ObjectType, ArgsType, type ClassType } from 'type-graphql';
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { BadUserInputError } from '../errors.js';
import { invariant } from '../invariant.js';


/**
 * Relay connections with keyset cursors. A cursor names a row by its sort key (time, id), so
 * pages stay stable while newer rows arrive: they sort before every cursor.
 *
 * Terminology
 * - forward: `first`/`after`, newest first from the top (or from just after a cursor);
 * - backward: `last`/`before`, the `last` rows just before a cursor (or the oldest `last` of all),
 *   still answered newest first. The SQL reads them in the reverse order (oldest first from the
 *   cursor, so the same index serves), takes `last + 1`, and the page is turned round in memory.
 */
@ObjectType('PageInfo', { description: 'Where a page lies in the whole list (Relay cursor connections).', simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean, { description: 'Paging forward: whether rows follow this page. Paging backward: always false (the page ends at `before`).' })
  hasNextPage: boolean;

  @Field(() => Boolean, { description: 'Paging backward: whether rows precede this page. Paging forward: always false (ask with `last`/`before` to find out).' })
  hasPreviousPage: boolean;

  constructor(
    hasNextPage: boolean,
    hasPreviousPage: boolean,
    private readonly first: { cursor: string } | undefined,
    private readonly last: { cursor: string } | undefined,
  ) {
    this.hasNextPage = hasNextPage;
    this.hasPreviousPage = hasPreviousPage;
  }

  /** The first edge's cursor, made when asked for (see `Edge.cursor`). */
  @Field(() => String, { nullable: true, description: "The first edge's cursor: pass it as `before` for the page before this one. Null on an empty page." })
  get startCursor(): string | null {
    return this.first?.cursor ?? null;
  }

  /** The last edge's cursor, made when asked for (see `Edge.cursor`). */
  @Field(() => String, { nullable: true, description: "The last edge's cursor: pass it as `after` for the page after this one. Null on an empty page." })
  get endCursor(): string | null {
    return this.last?.cursor ?? null;
  }
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

function sizeOf(name: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`${name} must be between 1 and ${MAX_PAGE_SIZE}`, name);
  }
  return value;
}

export function pageSize(first: number | null | undefined): number {
  return first === null || first === undefined ? DEFAULT_PAGE_SIZE : sizeOf('first', first);
}

export interface TimeKey {
  at: Date;
  id: string;
}

export function encodeCursor(key: TimeKey): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id])).toString('base64url');
}

/** Longer than any key the hub puts in a cursor (a uuid, a principal's name, an audit seq). */
const MAX_CURSOR_ID_LENGTH = 200;

function notACursor(argument: 'after' | 'before'): BadUserInputError {
  return new BadUserInputError(`${argument} is not a cursor this API gave out`, argument);
}

/**
 * A time the database takes as it is: years 1 to 9999, as `toISOString` writes them (a JS date
 * reaches ±275,760, which PostgreSQL refuses to read: a statement error, not a page).
 */
function storableTime(text: string): Date | undefined {
  const at = new Date(text);
  const year = at.getUTCFullYear();
  return Number.isNaN(at.getTime()) || year < 1 || year > 9999 ? undefined : at;
}

/** A key the database takes as a parameter: a short string without control characters (NUL is refused by PostgreSQL). */
function storableId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_CURSOR_ID_LENGTH && !/[\u0000-\u001f]/.test(id);
}

/**
 * The key a cursor names, or BAD_USER_INPUT on the argument it came in: whatever a client sends
 * as a cursor (not base64, not JSON, a time or a key that is garbage) is refused here, before a
 * statement is built, never as a failed statement (a 500 that logged the SQL).
 */
export function decodeCursor(cursor: string | null | undefined, argument: 'after' | 'before' = 'after'): TimeKey | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notACursor(argument);
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw notACursor(argument);
  const at = storableTime(parsed[0]);
  if (!at || !storableId(parsed[1])) throw notACursor(argument);
  return { at, id: parsed[1] };
}

/** What page a client asked for, checked: how many rows, from which cursor, and which way. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor: TimeKey | undefined;
  readonly backward: boolean;
  /** The argument the cursor came in (`after` or `before`), for errors about it. */
  readonly cursorArgument: 'after' | 'before';
}

/**
 * The page a connection's arguments ask for. One direction per request: `first`/`after` or
 * `last`/`before`; mixing them (`first` with `last`, `after` with `before`, `first` with
 * `before`, `last` with `after`) is BAD_USER_INPUT rather than a guess at what was meant.
 */
export function pageRequest(args: PageArgs): PageRequest {
  const { first, after, last, before } = args;
  const forward = (first ?? after ?? null) !== null;
  const backward = (last ?? before ?? null) !== null;
  if (forward && backward) {
    throw new BadUserInputError('page one way at a time: first/after (forward) or last/before (backward), not both', last != null ? 'last' : 'before');
  }
  if (backward) {
    return { limit: last == null ? DEFAULT_PAGE_SIZE : sizeOf('last', last), cursor: decodeCursor(before, 'before'), backward: true, cursorArgument: 'before' };
  }
  return { limit: pageSize(first), cursor: decodeCursor(after, 'after'), backward: false, cursorArgument: 'after' };
}

export interface Page<T> {
  /** Newest first, whichever way the page was read. */
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counted only when a client asks for `totalCount`. */
  count: () => Promise<number>;
}

export interface ConnectionClass<T> {
  new (page: Page<T>, keyOf: (node: T) => TimeKey): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo };
}

/** `XConnection { edges { cursor node } pageInfo totalCount }` and `XEdge` for a node type. */
export function connectionOf<T extends object>(nodeType: ClassType<T>, name: string): ConnectionClass<T> {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.`, simpleResolvers: true })
  class Edge {
    @Field(() => nodeType, { description: `The ${name}.` })
    node: T;

    constructor(
      node: T,
      private readonly keyOf: (node: T) => TimeKey,
    ) {
      this.node = node;
    }

    /**
     * Made when a client asks for it, not for every edge of every page: most pages are read
     * without their cursors (2.6 % of the hub's CPU on an alert page of 20 went into cursors
     * nobody selected).
     */
    @Field(() => String, { description: 'Where this edge lies: pass it as `after` or `before`.' })
    get cursor(): string {
      return encodeCursor(this.keyOf(this.node));
    }
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} records, newest first.`, simpleResolvers: true })
  class Connection {
    @Field(() => [Edge], { description: 'The records of this page with their cursors, newest first.' })
    edges: Edge[];

    @Field(() => PageInfo, { description: 'Whether there is more either way, and the cursors to ask for it.' })
    pageInfo: PageInfo;

    private readonly count: () => Promise<number>;

    constructor(page: Page<T>, keyOf: (node: T) => TimeKey) {
      this.edges = page.nodes.map((node) => new Edge(node, keyOf));
      this.pageInfo = new PageInfo(page.hasNextPage, page.hasPreviousPage, this.edges[0], this.edges[this.edges.length - 1]);
      this.count = page.count;
    }

    @Field(() => Int, { description: 'Every record the caller may see that matches the filter, not just this page.' })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return Connection;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Forward: how many, newest first: default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Forward: the rows after this cursor (the endCursor of the previous page).' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Backward: how many of the rows just before \`before\` (without it, the oldest): default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}. Still answered newest first.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Backward: the rows before this cursor (the startCursor of the next page).' })
  before?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The keyset condition of a page over (time, id), newest first: forward, rows strictly after
 * the cursor (older); backward, rows strictly before it (newer). `undefined` without a cursor.
 * The id is a uuid: a cursor naming anything else is BAD_USER_INPUT, not a failed `::uuid` cast.
 */
export function keysetCondition(time: AnyColumn, id: AnyColumn, page: PageRequest): SQL | undefined {
  const { cursor } = page;
  if (!cursor) return undefined;
  if (!UUID.test(cursor.id)) throw notACursor(page.cursorArgument);
  const key = sql`(${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
  return page.backward ? sql`(${time}, ${id}) > ${key}` : sql`(${time}, ${id}) < ${key}`;
}

/** The order a page is read in: newest first forward, oldest first backward (then turned round by pageOf). */
export function pageOrder(time: AnyColumn, id: AnyColumn, page: PageRequest): SQL {
  return page.backward ? sql`${time} asc, ${id} asc` : sql`${time} desc, ${id} desc`;
}

/**
 * `limit + 1` (the extra row only says that there is a next page) as a literal in the statement,
 * not a parameter. Statements are prepared; with the limit a parameter, the generic plan must
 * guess it (a tenth of the rows) and costs a city's or a district's page as a scan of 100,000
 * alerts — parallel workers and all — so PostgreSQL kept planning those pages afresh on every
 * request, while a community's page ran its cached plan. With the literal, every tier's page
 * has the same cheap generic plan. `limit` comes from `pageRequest` (an integer, 1 to 100).
 */
export function pageLimit(limit: number): SQL {
  invariant(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE, `page limit ${limit}`);
  return sql.raw(String(limit + 1));
}

/**
 * A page from `limit + 1` rows read in `pageOrder`: the extra row only says that there is more
 * that way. A backward page is turned round, so every page reads newest first.
 */
export function pageOf<Row, Node>(rows: readonly Row[], page: PageRequest, toNode: (row: Row) => Node, count: () => Promise<number>): Page<Node> {
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  if (page.backward) kept.reverse();
  return { nodes: kept.map(toNode), hasNextPage: !page.backward && more, hasPreviousPage: page.backward && more, count };
}
