import 'reflect-metadata';
import { Field, Int, ObjectType, ArgsType, type ClassType } from 'type-graphql';
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { BadUserInputError } from '../errors.js';
import { invariant } from '../invariant.js';


/**
 * Relay connections with keyset cursors. A cursor names the last row seen by its sort key
 * (time, id), so pages stay stable while newer rows arrive: they sort before the cursor.
 */
@ObjectType('PageInfo', { simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage: boolean;

  constructor(
    hasNextPage: boolean,
    private readonly last: { cursor: string } | undefined,
  ) {
    this.hasNextPage = hasNextPage;
  }

  /** The last edge's cursor, made when asked for (see `Edge.cursor`). */
  @Field(() => String, { nullable: true })
  get endCursor(): string | null {
    return this.last?.cursor ?? null;
  }
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

export interface TimeKey {
  at: Date;
  id: string;
}

export function encodeCursor(key: TimeKey): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id])).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): TimeKey | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
    }
  } catch {
    /* fall through */
  }
  throw new BadUserInputError('after is not a cursor this API gave out', 'after');
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  /** Counted only when a client asks for `totalCount`. */
  count: () => Promise<number>;
}

export interface ConnectionClass<T> {
  new (page: Page<T>, keyOf: (node: T) => TimeKey): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo };
}

/** `XConnection { edges { cursor node } pageInfo totalCount }` and `XEdge` for a node type. */
export function connectionOf<T extends object>(nodeType: ClassType<T>, name: string): ConnectionClass<T> {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => nodeType)
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
    @Field(() => String)
    get cursor(): string {
      return encodeCursor(this.keyOf(this.node));
    }
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class Connection {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    private readonly count: () => Promise<number>;

    constructor(page: Page<T>, keyOf: (node: T) => TimeKey) {
      this.edges = page.nodes.map((node) => new Edge(node, keyOf));
      this.pageInfo = new PageInfo(page.hasNextPage, this.edges[this.edges.length - 1]);
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
  @Field(() => Int, { nullable: true, description: `How many, newest first: default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "The endCursor of the previous page." })
  after?: string | null;
}

/**
 * The keyset condition of a page newest first over (time, id): rows strictly after the cursor.
 * `undefined` for the first page.
 */
export function afterCursor(time: AnyColumn, id: AnyColumn, cursor: TimeKey | undefined): SQL | undefined {
  return cursor ? sql`(${time}, ${id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)` : undefined;
}

/**
 * `limit + 1` (the extra row only says that there is a next page) as a literal in the statement,
 * not a parameter. Statements are prepared; with the limit a parameter, the generic plan must
 * guess it (a tenth of the rows) and costs a city's or a district's page as a scan of 100,000
 * alerts — parallel workers and all — so PostgreSQL kept planning those pages afresh on every
 * request, while a community's page ran its cached plan. With the literal, every tier's page
 * has the same cheap generic plan. `limit` comes from `pageSize` (an integer, 1 to 100).
 */
export function pageLimit(limit: number): SQL {
  invariant(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE, `page limit ${limit}`);
  return sql.raw(String(limit + 1));
}

/** A page from `limit + 1` fetched rows: the extra row only says that there is a next page. */
export function pageOf<Row, Node>(rows: readonly Row[], limit: number, toNode: (row: Row) => Node, count: () => Promise<number>): Page<Node> {
  return { nodes: rows.slice(0, limit).map(toNode), hasNextPage: rows.length > limit, count };
}
