import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like, sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { rehome } from '../../src/modules/directory/index.js';
import { unitMoves } from '../../src/modules/units/index.js';
import { tables } from '../../src/tables.js';

const { alerts } = tables;

/**
 * The rewrite behind a move, in small batches: it walks each table's tier index once, in the
 * index's order, so that it never reads again the rows it already moved (a street keeps its code
 * when it moves, so the index still holds them), then sweeps from the start for a record placed
 * at the old path behind the walk. Every record ends under the new path.
 */
const STREET = '320613006';
const FROM = '320600.320613.320613006';
const TO = '320600.320612.320613006';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  for (const statement of ['drop trigger if exists rehome_test_behind on alerts', 'drop function if exists rehome_test_behind()', 'drop table if exists rehome_test_template']) await hub?.database.db.execute(sql.raw(statement));
  await hub?.close();
});

const IMPORT_UNITS = /* GraphQL */ `mutation($input: ImportUnitsInput!) { importUnits(input: $input) { updated accepted results { status error { code message } } } }`;

async function countUnder(path: string): Promise<number> {
  const [row] = await hub.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(alerts)
    .where(and(eq(alerts.streetCode, STREET), like(alerts.unitPath, `${path}%`)));
  return Number(row?.n ?? 0);
}

describe('rehome', () => {
  it('moves every record in batches of 7, including one written at the old path behind the walk', async () => {
    // The street moves to a new district; the units change and its records follow.
    const moved = await hub.gql<any>(IMPORT_UNITS, { input: { source: 'city.admin', records: [{ code: '320612', name: '通州区', parentCode: '320600', tier: 'DISTRICT' }, { code: STREET, name: '学田街道', parentCode: '320612', tier: 'STREET' }] } }, { as: 'city.admin' });
    expect(moved.body.errors).toBeUndefined();
    const total = await countUnder(TO);
    expect(total).toBeGreaterThan(30);

    // As a move cut short leaves them: the street's alerts still under the old district, and the move not done.
    await hub.database.db.execute(sql`update alerts set unit_path = ${FROM} || substr(unit_path, ${TO.length + 1}), district_code = '320613' where street_code = ${STREET}`);
    expect(await countUnder(FROM)).toBe(total);
    const [move] = await hub.database.db.insert(unitMoves).values({ code: STREET, fromPath: FROM, toPath: TO }).returning();

    // After the first batch, a record is written at the old path with the newest time: where the walk has already been.
    for (const statement of [
      `create table rehome_test_template as select * from alerts where street_code = '${STREET}' limit 1`,
      `update rehome_test_template set id = gen_random_uuid(), external_id = 'behind-the-walk', occurred_at = now() + interval '1 day'`,
      `create function rehome_test_behind() returns trigger language plpgsql as $$
       begin
         insert into alerts select * from rehome_test_template;
         delete from rehome_test_template;
         return null;
       end $$`,
      'create trigger rehome_test_behind after update on alerts for each statement execute function rehome_test_behind()',
    ]) {
      await hub.database.db.execute(sql.raw(statement));
    }

    const rows = await rehome(hub.handle.hub, move!, 7);

    expect(await countUnder(FROM)).toBe(0);
    expect(await countUnder(TO)).toBe(total + 1);
    const [behind] = await hub.database.db.select().from(alerts).where(eq(alerts.externalId, 'behind-the-walk'));
    expect(behind).toMatchObject({ unitPath: expect.stringMatching(new RegExp(`^${TO.replace(/\./g, '\\.')}`)), districtCode: '320612' });
    expect(rows).toBe(total + 1);
    const [done] = await hub.database.db.select().from(unitMoves).where(eq(unitMoves.id, move!.id));
    expect(done!.doneAt).not.toBeNull();
    // Batches of 7: the walk, then the sweep that found the record behind it.
    expect(done!.batches).toBeGreaterThanOrEqual(Math.ceil(total / 7) + 1);
  });
});
