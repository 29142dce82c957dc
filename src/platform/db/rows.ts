import type { SQL } from 'drizzle-orm';
import type { Executor } from './database.js';

/**
 * The rows of a raw statement. `execute` answers `{ rows }` on PGlite and an array on
 * postgres.js; this reads both.
 */
export async function executeRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
