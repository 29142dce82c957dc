import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column` holds `path` or a path below it (`path.…`), as an index range a `text_pattern_ops`
 * index serves with the bounds as parameters: equal to `path`, or from `path.` up to, not
 * including, `path/` ('/' follows '.'), compared byte by byte (`~>=~`, `~<~`) — the range
 * PostgreSQL itself makes of `LIKE 'path.%'` when the pattern is a literal. A LIKE pattern sent as
 * a parameter cannot be turned into that range in the generic plan of a prepared statement, so
 * PostgreSQL planned such statements afresh on every execution (about 1 ms for a case page);
 * with the range the generic plan scans the index too. No escaping: nothing in `path` is a
 * wildcard.
 */
export function withinPath(column: AnyPgColumn, path: string): SQL {
  return sql`(${column} = ${path} or (${column} ~>=~ ${`${path}.`} and ${column} ~<~ ${`${path}/`}))`;
}
