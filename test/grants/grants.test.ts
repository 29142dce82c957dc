import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestHub, dbKind, freshDatabase, TestClock, type TestHub } from '../helpers/hub.js';
import { openServer } from '../../src/platform/db/database.js';
import { subscribe, type LiveSubscription } from '../helpers/ws.js';
import { tables } from '../../src/tables.js';
import { setPrincipalDisabled } from '../../src/modules/principals/index.js';

const { principals, auditLog } = tables;

/**
 * Sharing grants: only an admin at or above the shared unit grants within it; a grant widens
 * reads (and unmasks only the personal fields it names) at once, in queries and on open
 * subscriptions, and ends when revoked or expired.
 */
const GRANT = /* GraphQL */ `
  mutation Grant($input: GrantAccessInput!) {
    grantAccess(input: $input) { id kind types fields withinUnitCode granteeUnitCode granteeDepartmentCode active reason createdBy withinUnit { name } }
  }
`;
const REVOKE = /* GraphQL */ `mutation Revoke($id: ID!) { revokeAccess(id: $id) { id active revokedBy } }`;
const ALERT_COUNT = /* GraphQL */ `query Count($filter: AlertFilter) { alerts(filter: $filter, first: 1) { totalCount } }`;
const ALARMS = /* GraphQL */ `
  query { devices(filter: { unitCode: "320613006", types: [ELDERLY_ALARM_BUTTON] }, first: 100) { totalCount edges { node { holderName holderPhone address maskedFields } } } }
`;
const GRANTS = /* GraphQL */ `query Grants($filter: GrantFilter) { grants(filter: $filter, first: 100) { totalCount edges { node { id active } } } }`;

const clock = new TestClock();
let hub: TestHub;
const hour = 3_600_000;

beforeAll(async () => {
  hub = await createTestHub({ clock });
  await hub.database.db.insert(principals).values([
    { name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' },
    { name: 'wenfeng.admin', displayName: '文峰街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613008' },
  ]);
});
afterAll(async () => {
  await hub?.close();
});

function shareXuetianAlertsWithWenfeng(extra: Record<string, unknown> = {}) {
  return {
    granteeUnitCode: '320613008',
    kind: 'ALERT',
    withinUnitCode: '320613006',
    expiresAt: new Date(clock.now().getTime() + 24 * hour).toISOString(),
    reason: '联合消防检查 2026-12',
    ...extra,
  };
}

async function count(as: string, filter: Record<string, unknown> = { unitCode: '320613006' }): Promise<number | string> {
  const { body } = await hub.gql<{ alerts: { totalCount: number } }>(ALERT_COUNT, { filter }, { as });
  return body.data?.alerts.totalCount ?? String(body.errors?.[0]?.extensions?.['code']);
}

/**
 * Raises one alert that `sentinel` (who always may see it) must receive, and tells whether
 * `watched` received it too. Counts are taken before the write: a delivery may arrive before
 * the mutation's own answer. Events reach one connection in order, and both connections hang
 * off the same fan-out, so once the sentinel has it a delivery to `watched` is due at once.
 */
async function raiseAndSee(
  raise: (externalId: string) => Promise<void>,
  sentinel: LiveSubscription<{ externalId: string }>,
  watched: LiveSubscription<{ externalId: string }>,
  externalId: string,
): Promise<boolean> {
  const [s, w] = [sentinel.received.length, watched.received.length];
  await raise(externalId);
  await sentinel.waitFor(s + 1);
  expect(sentinel.received[s]?.externalId).toBe(externalId);
  await watched.waitFor(w + 1, 300);
  return watched.received.slice(w).some((r) => r.externalId === externalId);
}

describe('grantAccess', () => {
  it('lets another street read the shared alerts at once, and revocation ends it at once', async () => {
    const before = await count('wenfeng.officer', {});
    const own = await count('xuetian.officer');
    expect(await count('wenfeng.officer')).toBe(0);

    const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng() }, { as: 'xuetian.admin' });
    expect(body.errors).toBeUndefined();
    const grant = body.data.grantAccess;
    expect(grant).toMatchObject({ kind: 'ALERT', types: null, fields: [], withinUnitCode: '320613006', granteeUnitCode: '320613008', active: true, createdBy: 'xuetian.admin', withinUnit: { name: '学田街道' } });

    expect(await count('wenfeng.officer')).toBe(own);
    expect(await count('wenfeng.officer', {})).toBe((before as number) + (own as number));
    // Only the grantee unit's people: the community below wenfeng gets nothing.
    expect(await count('shuguang.officer', { unitCode: '320613008' })).toBe(0);

    const revoked = await hub.gql<any>(REVOKE, { id: grant.id }, { as: 'xuetian.admin' });
    expect(revoked.body.data.revokeAccess).toEqual({ id: grant.id, active: false, revokedBy: 'xuetian.admin' });
    expect(await count('wenfeng.officer')).toBe(0);
    const again = await hub.gql<any>(REVOKE, { id: grant.id }, { as: 'xuetian.admin' });
    expect(again.body.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
  });

  it('shares only the types it names', async () => {
    const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng({ types: ['SMOKE'] }) }, { as: 'city.admin' });
    expect(body.errors).toBeUndefined();
    expect(await count('wenfeng.officer')).toBe(await count('xuetian.officer', { unitCode: '320613006', types: ['SMOKE'] }));
    expect(await count('wenfeng.officer', { unitCode: '320613006', types: ['MANHOLE_TILT'] })).toBe(0);
    await hub.gql(REVOKE, { id: body.data.grantAccess.id }, { as: 'city.admin' });
  });

  it('ends at its expiry', async () => {
    const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng({ expiresAt: new Date(clock.now().getTime() + hour).toISOString() }) }, { as: 'xuetian.admin' });
    expect(await count('wenfeng.officer')).toBeGreaterThan(0);
    clock.advance(hour + 1);
    expect(await count('wenfeng.officer')).toBe(0);
    const list = await hub.gql<any>(GRANTS, { filter: { active: false } }, { as: 'xuetian.admin' });
    expect(list.body.data.grants.edges.map((e: any) => e.node.id)).toContain(body.data.grantAccess.id);
  });

  it('unmasks only the personal fields it names, for the department it names', async () => {
    // fire-brigade owns fire devices only: no alarm buttons without a grant.
    const none = await hub.gql<any>(ALARMS, {}, { as: 'fire.officer' });
    expect(none.body.data.devices.totalCount).toBe(0);
    const granted = await hub.gql<any>(
      GRANT,
      {
        input: {
          granteeDepartmentCode: 'fire-brigade',
          kind: 'DEVICE',
          types: ['ELDERLY_ALARM_BUTTON'],
          fields: ['holderPhone'],
          withinUnitCode: '320613006',
          expiresAt: new Date(clock.now().getTime() + 24 * hour).toISOString(),
          reason: '独居老人火灾应急联络',
        },
      },
      { as: 'xuetian.admin' },
    );
    expect(granted.body.errors).toBeUndefined();
    const { body } = await hub.gql<any>(ALARMS, {}, { as: 'fire.officer' });
    const nodes = body.data.devices.edges.map((e: any) => e.node);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.holderPhone).toMatch(/^139\d{8}$/);
      expect(node.holderName).toMatch(/\*/);
      expect(node.address).toMatch(/\*{4}$/);
      expect(node.maskedFields.sort()).toEqual(['address', 'holderIdNumber', 'holderName']);
    }
    // The grant reaches the department's data officers, not the department's adapter.
    const adapter = await hub.gql<any>(ALARMS, {}, { as: 'iot-platform' });
    expect(adapter.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    await hub.gql(REVOKE, { id: granted.body.data.grantAccess.id }, { as: 'xuetian.admin' });
  });

  it('shares resident requests by category, unmasking only the contact field it names', async () => {
    const REQUESTS = /* GraphQL */ `
      query { residentRequests(filter: { unitCode: "320613006" }, first: 100) { totalCount edges { node { category contactName contactPhone maskedFields } } } }
    `;
    const own = await hub.gql<any>(REQUESTS, {}, { as: 'xuetian.officer' });
    const complaints = own.body.data.residentRequests.edges.filter((e: any) => e.node.category === 'COMPLAINT').length;
    expect(complaints).toBeGreaterThan(0);
    expect((await hub.gql<any>(REQUESTS, {}, { as: 'wenfeng.officer' })).body.data.residentRequests.totalCount).toBe(0);
    const { body } = await hub.gql<any>(
      GRANT,
      { input: shareXuetianAlertsWithWenfeng({ kind: 'RESIDENT_REQUEST', types: ['COMPLAINT'], fields: ['contactPhone'] }) },
      { as: 'xuetian.admin' },
    );
    expect(body.errors).toBeUndefined();
    const shared = await hub.gql<any>(REQUESTS, {}, { as: 'wenfeng.officer' });
    const nodes = shared.body.data.residentRequests.edges.map((e: any) => e.node);
    expect(nodes.length).toBe(complaints);
    for (const node of nodes) {
      expect(node.category).toBe('COMPLAINT');
      if (node.contactPhone) expect(node.contactPhone).not.toContain('*');
      if (node.contactName) expect(node.contactName).toMatch(/\*/);
      expect(node.maskedFields).not.toContain('contactPhone');
    }
    await hub.gql(REVOKE, { id: body.data.grantAccess.id }, { as: 'xuetian.admin' });
  });

  it('refuses everyone but an admin at or above the shared unit', async () => {
    for (const as of ['xuetian.officer', 'city.auditor', 'fire.officer', 'iot-platform', 'shuguang.officer', 'wenfeng.admin']) {
      const { body } = await hub.gql(GRANT, { input: shareXuetianAlertsWithWenfeng() }, { as });
      expect(body.errors?.[0]?.extensions, as).toMatchObject({ code: 'FORBIDDEN', action: 'grant', subject: 'Grant' });
    }
    const anonymous = await hub.gql(GRANT, { input: shareXuetianAlertsWithWenfeng() });
    expect(anonymous.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('explains bad input field by field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ granteeDepartmentCode: 'fire-brigade' }, 'granteeUnitCode'],
      [{ types: ['SMOKE_DETECTOR'] }, 'types'],
      [{ fields: ['holderPhone'] }, 'fields'],
      [{ expiresAt: new Date(clock.now().getTime() - 1000).toISOString() }, 'expiresAt'],
      [{ reason: '  ' }, 'reason'],
    ];
    for (const [extra, field] of cases) {
      const { body } = await hub.gql(GRANT, { input: shareXuetianAlertsWithWenfeng(extra) }, { as: 'xuetian.admin' });
      expect(body.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const unknownUnit = await hub.gql(GRANT, { input: shareXuetianAlertsWithWenfeng({ withinUnitCode: '320613999' }) }, { as: 'xuetian.admin' });
    expect(unknownUnit.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('lists grants to admins and auditors within their unit and to the grantee; revoke is not for them', async () => {
    const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng() }, { as: 'xuetian.admin' });
    const id = body.data.grantAccess.id;
    const seen = async (as: string) => (await hub.gql<any>(GRANTS, {}, { as })).body.data?.grants.edges.map((e: any) => e.node.id) ?? [];
    expect(await seen('xuetian.admin')).toContain(id);
    expect(await seen('city.auditor')).toContain(id);
    expect(await seen('wenfeng.officer')).toContain(id);
    expect(await seen('wenfeng.admin')).toContain(id);
    expect(await seen('shuguang.officer')).not.toContain(id);
    expect(await seen('chongchuan.officer')).not.toContain(id);
    const asGrantee = await hub.gql(REVOKE, { id }, { as: 'wenfeng.officer' });
    expect(asGrantee.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'revoke', subject: 'Grant' });
    const asStranger = await hub.gql(REVOKE, { id }, { as: 'shuguang.officer' });
    expect(asStranger.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    await hub.gql(REVOKE, { id }, { as: 'xuetian.admin' });
  });

  it('writes every grant and revocation to the audit log', async () => {
    const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng() }, { as: 'xuetian.admin' });
    const id = body.data.grantAccess.id;
    await hub.gql(REVOKE, { id }, { as: 'xuetian.admin' });
    const rows = await hub.database.db.select().from(auditLog).where(eq(auditLog.kind, 'Grant'));
    const forThis = rows.filter((r) => r.recordIds.includes(id));
    expect(forThis.map((r) => [r.operation, r.actor, r.outcome])).toEqual([
      ['grantAccess', 'xuetian.admin', 'ALLOWED'],
      ['revokeAccess', 'xuetian.admin', 'ALLOWED'],
    ]);
    expect(forThis[0]!.details).toMatchObject({ granteeUnitCode: '320613008', sharedKind: 'Alert', withinUnitCode: '320613006', reason: '联合消防检查 2026-12' });
  });
});

describe('grants on open subscriptions', () => {
  const RAISED = /* GraphQL */ `subscription { alertRaised { externalId unit { code } } }`;
  const INGEST = /* GraphQL */ `mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`;

  async function raise(externalId: string): Promise<void> {
    const { body } = await hub.gql<any>(
      INGEST,
      { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }] } },
      { as: 'iot-platform' },
    );
    expect(body.data.ingestAlerts.accepted).toBe(1);
  }

  it('a grant reaches an open subscription at once, and its revocation stops it', async () => {
    const before = hub.liveAlertSubscribers();
    const sub = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('wenfeng.officer')}`, RAISED);
    const sentinel = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, RAISED);
    while (hub.liveAlertSubscribers() < before + 2) await new Promise((r) => setTimeout(r, 10));
    try {
      expect(await raiseAndSee(raise, sentinel, sub, 'live-grant-1')).toBe(false);

      const { body } = await hub.gql<any>(GRANT, { input: shareXuetianAlertsWithWenfeng({ expiresAt: new Date(Date.now() + 24 * hour).toISOString() }) }, { as: 'xuetian.admin' });
      const id = body.data.grantAccess.id;
      // The grant's event rebuilds the connection's ability; poll the delivery rather than sleep.
      let delivered = false;
      for (let i = 0; i < 50 && !delivered; i++) delivered = await raiseAndSee(raise, sentinel, sub, `live-grant-2-${i}`);
      expect(delivered).toBe(true);

      await hub.gql(REVOKE, { id }, { as: 'xuetian.admin' });
      let stopped = false;
      for (let i = 0; i < 50 && !stopped; i++) stopped = !(await raiseAndSee(raise, sentinel, sub, `live-grant-3-${i}`));
      expect(stopped).toBe(true);
    } finally {
      await sub.close();
      await sentinel.close();
    }
  });
});

describe('grantees', () => {
  it('a disabled principal is refused', async () => {
    expect(await setPrincipalDisabled(hub.database.db, hub.handle.hub.bus, 'wenfeng.admin', new Date())).toBe(true);
    const { status, body } = await hub.gql(GRANTS, {}, { as: 'wenfeng.admin' });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe.skipIf(dbKind !== 'postgres')('grants across hub processes (one Postgres)', () => {
  it('a grant made on one hub reaches a subscriber on another, and its revocation stops it there', async () => {
    const fresh = await freshDatabase();
    const a = await createTestHub({ database: fresh.database });
    const second = await openServer({ url: fresh.url!, max: 5 });
    const b = await createTestHub({ database: second });
    await a.database.db.insert(principals).values({ name: 'xuetian.admin', displayName: '学田街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613006' });
    const RAISED = /* GraphQL */ `subscription { alertRaised { externalId } }`;
    const INGEST = /* GraphQL */ `mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`;
    const raise = async (externalId: string) => {
      const { body } = await a.gql<any>(
        INGEST,
        { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }] } },
        { as: 'iot-platform' },
      );
      expect(body.data.ingestAlerts.accepted).toBe(1);
    };
    const sub = await subscribe<{ externalId: string }>(b.wsUrl, `Bearer ${await b.token('wenfeng.officer')}`, RAISED);
    const sentinel = await subscribe<{ externalId: string }>(b.wsUrl, `Bearer ${await b.token('xuetian.officer')}`, RAISED);
    while (b.liveAlertSubscribers() < 2) await new Promise((r) => setTimeout(r, 10));
    try {
      const { body } = await a.gql<any>(
        GRANT,
        { input: { granteeUnitCode: '320613008', kind: 'ALERT', withinUnitCode: '320613006', expiresAt: new Date(Date.now() + 24 * hour).toISOString(), reason: 'cross-process' } },
        { as: 'xuetian.admin' },
      );
      const id = body.data.grantAccess.id;
      let delivered = false;
      for (let i = 0; i < 50 && !delivered; i++) delivered = await raiseAndSee(raise, sentinel, sub, `x-grant-${i}`);
      expect(delivered).toBe(true);
      await a.gql(REVOKE, { id }, { as: 'xuetian.admin' });
      let stopped = false;
      for (let i = 0; i < 50 && !stopped; i++) stopped = !(await raiseAndSee(raise, sentinel, sub, `x-revoke-${i}`));
      expect(stopped).toBe(true);
      // And hub B's queries follow the same grant table at once.
      expect((await b.gql<any>(ALERT_COUNT, { filter: { unitCode: '320613006' } }, { as: 'wenfeng.officer' })).body.data.alerts.totalCount).toBe(0);
    } finally {
      await sub.close();
      await sentinel.close();
      await b.close();
      await a.close();
      await fresh.drop();
    }
  });
});
