import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column = any($1::text[])`: a list of text values as one array parameter, where `inArray`
 * sends one parameter each. The statement's text is then the same whatever the number of
 * values, so it is prepared once per connection (src/platform/db/database.ts), not once per
 * length, and drizzle and the driver handle one parameter instead of hundreds.
 */
export function anyText(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} = any(${sql.param([...values])}::text[])`;
}
