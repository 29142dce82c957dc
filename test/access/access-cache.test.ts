import { describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestHub, dbKind, freshDatabase } from '../helpers/hub.js';
import { openServer } from '../../src/platform/db/database.js';
import { tables } from '../../src/tables.js';
import { setPrincipalDisabled } from '../../src/modules/principals/index.js';

const { grants, principals } = tables;

/**
 * Bearer tokens are answered from a per-process cache of who the principal is and what its
 * grants allow. Every change to that goes through `accessChanged`, which clears the cache on
 * every hub process sharing the database. (On one hub, the grants tests already check that a
 * warm cache follows a grant, its revocation and a disabled principal at once.)
 */
const COUNT = /* GraphQL */ `query Count($filter: AlertFilter) { alerts(filter: $filter, first: 1) { totalCount } }`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`;
const REVOKE = /* GraphQL */ `mutation Revoke($id: ID!) { revokeAccess(id: $id) { id } }`;

/**
 * Asks until `done` holds, for at most two seconds: the event travels by NOTIFY to the other
 * process. (A cache entry lives 30 s at most: only the event can make it change sooner.)
 */
async function eventually<T>(ask: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 2000;
  let value = await ask();
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    value = await ask();
  }
  return value;
}

describe.skipIf(dbKind !== 'postgres')('access cache across hub processes (one Postgres)', () => {
  it('a grant, its revocation and a disabled principal on hub A reach the warm cache of hub B', async () => {
    const fresh = await freshDatabase();
    const a = await createTestHub({ database: fresh.database });
    const b = await createTestHub({ database: await openServer({ url: fresh.url!, max: 5 }) });
    try {
      await a.database.db.insert(principals).values({ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' });
      const xuetianAlerts = async () => {
        const { status, body } = await b.gql<any>(COUNT, { filter: { unitCode: '320613006' } }, { as: 'wenfeng.officer' });
        return status === 200 ? (body.data.alerts.totalCount as number) : status;
      };
      const all = (await a.gql<any>(COUNT, { filter: { unitCode: '320613006' } }, { as: 'xuetian.officer' })).body.data.alerts.totalCount as number;
      expect(all).toBeGreaterThan(0);
      // Warm: hub B has now cached wenfeng.officer with no grants.
      expect(await xuetianAlerts()).toBe(0);
      expect(await xuetianAlerts()).toBe(0);

      const { body } = await a.gql<any>(
        GRANT,
        { input: { granteeUnitCode: '320613008', kind: 'ALERT', withinUnitCode: '320613006', expiresAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'cache test' } },
        { as: 'xuetian.admin' },
      );
      expect(await eventually(xuetianAlerts, (n) => n === all)).toBe(all);

      await a.gql(REVOKE, { id: body.data.grantAccess.id }, { as: 'xuetian.admin' });
      expect(await eventually(xuetianAlerts, (n) => n === 0)).toBe(0);

      expect(await setPrincipalDisabled(a.database.db, a.handle.hub.bus, 'wenfeng.officer', new Date())).toBe(true);
      expect(await eventually(xuetianAlerts, (n) => n === 401)).toBe(401);
      expect(await setPrincipalDisabled(a.database.db, a.handle.hub.bus, 'wenfeng.officer', null)).toBe(true);
      expect(await eventually(xuetianAlerts, (n) => n === 0)).toBe(0);
    } finally {
      await b.close();
      await b.database.close();
      await a.close();
      await fresh.drop();
    }
  });
});

describe('access cache and changes typed into the database', () => {
  it('a principal disabled, moved or re-enabled and a grant revoked by hand in SQL reach a warm cache at once (triggers publish accessChanged)', async () => {
    const fresh = await freshDatabase();
    const hub = await createTestHub({ database: fresh.database });
    try {
      const db = hub.database.db;
      const xuetianAlerts = async () => {
        const { status, body } = await hub.gql<any>(COUNT, { filter: { unitCode: '320613006' } }, { as: 'wenfeng.officer' });
        return status === 200 ? (body.data?.alerts.totalCount ?? body.errors?.[0]?.extensions?.code) : status;
      };
      const all = (await hub.gql<any>(COUNT, { filter: { unitCode: '320613006' } }, { as: 'xuetian.officer' })).body.data.alerts.totalCount as number;
      expect(all).toBeGreaterThan(0);
      expect(await xuetianAlerts()).toBe(0);

      // A grant written and revoked by hand (as an operator would, bypassing the API).
      const [grant] = await db
        .insert(grants)
        .values({ granteeUnitCode: '320613008', kind: 'Alert', withinUnitCode: '320613006', withinPath: '320600.320613.320613006', expiresAt: new Date(Date.now() + 86_400_000), reason: 'by hand', createdBy: 'operator' })
        .returning({ id: grants.id });
      expect(await eventually(xuetianAlerts, (n) => n === all)).toBe(all);
      await db.update(grants).set({ revokedAt: new Date(), revokedBy: 'operator' }).where(eq(grants.id, grant!.id));
      expect(await eventually(xuetianAlerts, (n) => n === 0)).toBe(0);

      // Moved to 学田 by hand: its own street now.
      await db.update(principals).set({ unitCode: '320613006' }).where(eq(principals.name, 'wenfeng.officer'));
      expect(await eventually(xuetianAlerts, (n) => n === all)).toBe(all);
      await db.update(principals).set({ unitCode: '320613008' }).where(eq(principals.name, 'wenfeng.officer'));
      expect(await eventually(xuetianAlerts, (n) => n === 0)).toBe(0);

      await db.execute(sql`update principals set disabled_at = now() where name = 'wenfeng.officer'`);
      expect(await eventually(xuetianAlerts, (n) => n === 401)).toBe(401);
      await db.execute(sql`update principals set disabled_at = null where name = 'wenfeng.officer'`);
      expect(await eventually(xuetianAlerts, (n) => n === 0)).toBe(0);
    } finally {
      await hub.close();
      await fresh.drop();
    }
  });
});
