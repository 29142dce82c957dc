import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { PgDialect, pgTable, text } from 'drizzle-orm/pg-core';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import type { Database } from '../../src/platform/db/database.js';
import { executeRows } from '../../src/platform/db/rows.js';
import { withinPath } from '../../src/platform/db/path.js';

/**
 * `withinPath` (the `$within` of case assignees, audit entries, grants, API keys and channels)
 * selects exactly the paths a JavaScript prefix test selects: the path itself and those that
 * start with `path.` — checked on random paths, wildcards of LIKE and multi-byte text included.
 * On PostgreSQL, the case page's statement, prepared, keeps an index range in its generic plan.
 */
const probe = pgTable('within_path_probe', { path: text('path').notNull() });

let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;

beforeAll(async () => {
  fresh = await freshDatabase();
  database = fresh.database;
  await database.db.execute(sql`create table within_path_probe (path text not null)`);
  await database.db.execute(sql`create index within_path_probe_idx on within_path_probe (path text_pattern_ops)`);
});
afterAll(() => fresh?.drop());

const segment = fc.oneof(
  fc.stringMatching(/^[0-9]{1,4}$/),
  fc.constantFrom('%', '_', '\\', '/', '-', '社区', 'a.b', ''),
);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

describe('withinPath', () => {
  it('selects the path and the paths below it, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(path, fc.array(path, { minLength: 1, maxLength: 30 }), fc.nat(), async (within, others, pick) => {
        // Some rows below `within` and the path itself, beside random ones.
        const rows = [...others, within, `${within}.${others[pick % others.length]}`, `${within}/x`, `${within}x`];
        await database.db.execute(sql`truncate within_path_probe`);
        await database.db.insert(probe).values(rows.map((p) => ({ path: p })));
        const found = await executeRows<{ path: string }>(database.db, sql`select path from within_path_probe where ${withinPath(probe.path, within)}`);
        const expected = rows.filter((p) => p === within || p.startsWith(`${within}.`));
        expect(found.map((r) => r.path).sort()).toEqual(expected.sort());
      }),
      { numRuns: 150 },
    );
  });

  it.runIf(dbKind === 'postgres')('keeps an index range in the generic plan of a prepared statement', async () => {
    await database.db.execute(sql`truncate within_path_probe`);
    await database.db.execute(sql`insert into within_path_probe select '320600.' || g from generate_series(1, 5000) g`);
    await database.db.execute(sql`analyze within_path_probe`);
    const query = new PgDialect().sqlToQuery(sql`select path from within_path_probe where ${withinPath(probe.path, '320600.17')}`);
    expect(query.params).toEqual(['320600.17', '320600.17.', '320600.17/']);
    // The generic plan, which PostgreSQL settles on after five executions of a prepared statement
    // when it costs no more than the custom ones (a LIKE pattern as a parameter could not use the index there).
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
      await tx.execute(sql.raw(`prepare within_probe(text, text, text) as ${query.sql}`));
      const explained = await executeRows<{ 'QUERY PLAN': string }>(tx, sql.raw(`explain execute within_probe('320600.17', '320600.17.', '320600.17/')`));
      await tx.execute(sql.raw('deallocate within_probe'));
      return explained.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('within_path_probe_idx');
    expect(plan).not.toContain('Seq Scan');
  });
});
