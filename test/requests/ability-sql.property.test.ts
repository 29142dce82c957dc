import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { freshDatabase } from '../helpers/hub.js';
import type { Database } from '../../src/platform/db/database.js';
import { subject, type AppAbility } from '../../src/platform/auth/ability.js';
import { abilityToSql } from '../../src/platform/auth/ability-sql.js';
import { PRINCIPAL_KINDS, ROLES, type Principal } from '../../src/platform/auth/principal.js';
import { tierOfPath } from '../../src/platform/auth/scope.js';
import { placementOf } from '../../src/platform/db/placement.js';
import { residentRequests, REQUEST_CATEGORIES, type ResidentRequestRow } from '../../src/modules/requests/index.js';
import { requestFields } from '../../src/modules/requests/request.service.js';
import { channels } from '../../src/modules/channels/index.js';
import { channelFields } from '../../src/modules/channels/channel.service.js';
import { units as unitsTable } from '../../src/modules/units/index.js';
import { abilityFor } from '../../src/policy.js';
import { demoUnits } from '../../src/seed/demo-units.js';

/**
 * The SQL that filters resident requests (`read`) and channels (`manage`, `$within` on the
 * joined community's path) selects exactly the rows the same ability accepts one by one, for
 * random principals through the real policies.
 */
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let requests: ResidentRequestRow[];
let channelRows: { id: string; unitPath: string }[];
const units = demoUnits();

beforeAll(async () => {
  fresh = await freshDatabase();
  database = fresh.database;
  // Spread requests beyond the seeded ones of 学田: one per street, each through a channel of its first community.
  const firsts = units.filter((u) => u.tier === 'COMMUNITY' && u.code.endsWith('001') && !u.code.startsWith('320613006'));
  const made = await database.db
    .insert(channels)
    .values(firsts.map((u) => ({ communityCode: u.code, name: `${u.name}居民服务码`, tokenHash: `hash-${u.code}`, createdBy: 'test' })))
    .returning();
  await database.db.insert(residentRequests).values(
    made.map((channel, i) => ({
      trackingCode: `TEST${String(i).padStart(8, '2')}`,
      channelId: channel.id,
      category: REQUEST_CATEGORIES[i % REQUEST_CATEGORIES.length]!,
      text: 'property',
      submittedAt: new Date(),
      ...placementOf(firsts[i]!.path),
    })),
  );
  requests = await database.db.select().from(residentRequests);
  const joined = await database.db.select({ id: channels.id, unitPath: unitsTable.path }).from(channels).innerJoin(unitsTable, eq(unitsTable.code, channels.communityCode));
  channelRows = joined;
});
afterAll(() => fresh?.drop());

async function sqlRequestIds(ability: AppAbility): Promise<string[]> {
  const found = await database.db.select({ id: residentRequests.id }).from(residentRequests).where(abilityToSql(ability, 'read', 'ResidentRequest', requestFields));
  return found.map((r) => r.id).sort();
}

async function sqlChannelIds(ability: AppAbility): Promise<string[]> {
  const found = await database.db
    .select({ id: channels.id })
    .from(channels)
    .innerJoin(unitsTable, eq(unitsTable.code, channels.communityCode))
    .where(abilityToSql(ability, 'manage', 'Channel', channelFields));
  return found.map((r) => r.id).sort();
}

const canRequestIds = (ability: AppAbility) =>
  requests
    .filter((r) => ability.can('read', subject('ResidentRequest', { unitPath: r.unitPath, type: r.category, status: r.status })))
    .map((r) => r.id)
    .sort();
const canChannelIds = (ability: AppAbility) =>
  channelRows
    .filter((c) => ability.can('manage', subject('Channel', { ...c })))
    .map((c) => c.id)
    .sort();

describe('abilityToSql selects exactly what ability.can accepts', () => {
  it('there is something to select at every tier', () => {
    expect(requests.length).toBeGreaterThan(40);
    expect(channelRows.length).toBeGreaterThan(15);
  });

  it('on random principals through the real policies', async () => {
    const scope = (u: (typeof units)[number]) => ({ code: u.code, name: u.name, tier: tierOfPath(u.path)!, path: u.path });
    const principal = fc.record({
      kind: fc.constantFrom(...PRINCIPAL_KINDS.filter((k) => k !== 'ANONYMOUS')),
      roles: fc.subarray([...ROLES]),
      unit: fc.option(fc.constantFrom(...units), { nil: null }),
      department: fc.option(
        fc.record({ jurisdiction: fc.constantFrom(...units), types: fc.option(fc.subarray([...REQUEST_CATEGORIES]), { nil: null }) }),
        { nil: null },
      ),
    });
    await fc.assert(
      fc.asyncProperty(principal, async (p) => {
        const random: Principal = {
          name: 'random',
          displayName: 'random',
          kind: p.kind,
          roles: p.roles,
          unit: p.unit ? scope(p.unit) : null,
          department: p.department
            ? { code: 'dept', name: 'dept', jurisdiction: scope(p.department.jurisdiction), domains: [{ kind: 'ResidentRequest', types: p.department.types }] }
            : null,
          expiresAt: null,
          credential: p.kind === 'RESIDENT' ? { kind: 'CHANNEL', id: '00000000-0000-4000-8000-000000000000' } : { kind: 'JWT', id: null },
        };
        const ability = abilityFor(random);
        expect(await sqlRequestIds(ability)).toEqual(canRequestIds(ability));
        expect(await sqlChannelIds(ability)).toEqual(canChannelIds(ability));
      }),
      { numRuns: 150 },
    );
  });
});
