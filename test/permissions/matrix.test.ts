import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe, type LiveSubscription } from '../helpers/ws.js';
import { tables } from '../../src/tables.js';

const { devices } = tables;

/**
 * The permission matrix (docs/design.md, "Who sees what"; the table in docs/permissions.md): every principal kind × every
 * operation × where the record lies → allowed / denied / masked, through HTTP and WebSocket
 * with real tokens.
 *
 * The expected outcome of each cell comes from `ROWS` below — that table written out
 * per demo principal, independent of the hub's policies — never from the code under test.
 */

type Path = string;
const CITY = '320600';
const DISTRICT = `${CITY}.320613`;
const XUETIAN = `${DISTRICT}.320613006`;
const SHUGUANG = `${XUETIAN}.320613006001`;
const HUJING = `${SHUGUANG}.320613006001001`;
const WENFENG = `${DISTRICT}.320613008`;
const FIRE_TYPES = ['SMOKE', 'HYDRANT_PRESSURE_LOW', 'EBIKE_IN_ELEVATOR', 'FIRE_PASSAGE_BLOCKED'];

interface Row {
  /** The table's row this principal stands for. */
  row: string;
  /** Unit subtrees whose records it reads; `types` limits a department's domain. */
  reads: { root: Path; types?: string[] }[];
  /** Subtrees where it sees personal data in full. */
  unmasks: Path[];
  /** Subtrees where it acknowledges alerts. */
  acknowledges: Path[];
  /** Subtrees (and types) into which it ingests alerts. */
  ingests: { root: Path; types?: string[] }[];
  /** Subtrees within which it grants access. */
  grants: Path[];
  /** Reads the audit log of this subtree. */
  audits: Path | null;
}

const none: Omit<Row, 'row'> = { reads: [], unmasks: [], acknowledges: [], ingests: [], grants: [], audits: null };
const ROWS: Record<string, Row> = {
  'city.admin': { ...none, row: 'admin at U (city)', reads: [{ root: CITY }], acknowledges: [CITY], grants: [CITY] },
  'chongchuan.officer': { ...none, row: 'officer at U (district)', reads: [{ root: DISTRICT }], acknowledges: [DISTRICT] },
  'xuetian.officer': { ...none, row: 'officer at U (street)', reads: [{ root: XUETIAN }], acknowledges: [XUETIAN] },
  'shuguang.officer': { ...none, row: 'officer at U (community)', reads: [{ root: SHUGUANG }], unmasks: [SHUGUANG], acknowledges: [SHUGUANG] },
  'hujing.grid': { ...none, row: 'grid worker at G', reads: [{ root: HUJING }], unmasks: [HUJING] },
  'fire.officer': { ...none, row: 'department data officer', reads: [{ root: DISTRICT, types: FIRE_TYPES }] },
  'iot-platform': { ...none, row: 'adapter of a department', ingests: [{ root: DISTRICT }] },
  'city.auditor': { ...none, row: 'auditor at U', audits: CITY },
};
const PRINCIPALS = Object.keys(ROWS);

function within(path: Path, root: Path): boolean {
  return path === root || path.startsWith(`${root}.`);
}
function covers(rules: { root: Path; types?: string[] }[], path: Path, type: string): boolean {
  return rules.some((r) => within(path, r.root) && (!r.types || r.types.includes(type)));
}

/** Where records lie: one grid in each corner of the hierarchy that tells the rows apart. */
const PLACES: { name: string; path: Path }[] = [
  { name: 'in 互敬网格 (the grid worker’s grid)', path: HUJING },
  { name: 'in another grid of 曙光社区', path: `${SHUGUANG}.320613006001002` },
  { name: 'in another community of 学田', path: `${XUETIAN}.320613006002.320613006002001` },
  { name: 'in 文峰 (another street)', path: `${WENFENG}.320613008001.320613008001001` },
];
const TYPES = ['SMOKE', 'MANHOLE_TILT'];

interface Fixture {
  place: (typeof PLACES)[number];
  type: string;
  alertId: string;
  deviceId: string;
}

let hub: TestHub;
const fixtures: Fixture[] = [];
const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { results { status id: recordId error { code } } } }
`;
let sequence = 0;

function codeOf(path: Path): string {
  return path.split('.').at(-1)!;
}

async function ingest(as: string, type: string, path: Path, deviceExternalId?: string) {
  const record = { externalId: `matrix-${sequence++}`, type, severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: codeOf(path), ...(deviceExternalId ? { deviceExternalId } : {}) };
  return hub.gql<any>(INGEST, { input: { source: as, records: [record] } }, { as });
}

beforeAll(async () => {
  hub = await createTestHub();
  for (const place of PLACES) {
    const [device] = await hub.database.db
      .select({ id: devices.id, externalId: devices.externalId })
      .from(devices)
      .where(and(eq(devices.unitPath, place.path), eq(devices.type, 'ELDERLY_ALARM_BUTTON')))
      .limit(1);
    let deviceRow = device;
    if (!deviceRow) {
      // Not every grid has an alarm button in the demo data: move one there.
      const [any] = await hub.database.db.select({ id: devices.id, externalId: devices.externalId }).from(devices).where(and(eq(devices.type, 'ELDERLY_ALARM_BUTTON'), eq(devices.communityCode, place.path.split('.')[3]!))).limit(1);
      const codes = place.path.split('.');
      await hub.database.db.update(devices).set({ unitPath: place.path, unitCode: codes[4]!, gridCode: codes[4]! }).where(eq(devices.id, any!.id));
      deviceRow = any!;
    }
    for (const type of TYPES) {
      const { body } = await ingest('iot-platform', type, place.path, deviceRow.externalId);
      expect(body.data.ingestAlerts.results[0].status).toBe('ACCEPTED');
      fixtures.push({ place, type, alertId: body.data.ingestAlerts.results[0].id, deviceId: deviceRow.id });
    }
  }
});
afterAll(async () => {
  await hub?.close();
});

const ALERT = /* GraphQL */ `query One($id: ID!) { alert(id: $id) { id device { id holderPhone maskedFields } } }`;
const LIST = /* GraphQL */ `query List($filter: AlertFilter) { alerts(filter: $filter, first: 100) { totalCount edges { node { id } } } }`;
const DEVICE = /* GraphQL */ `query One($id: ID!) { device(id: $id) { id holderName holderPhone holderIdNumber address } }`;
const ACK = /* GraphQL */ `mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { id status } }`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAccessInput!) { grantAccess(input: $input) { id } }`;
const REVOKE = /* GraphQL */ `mutation Revoke($id: ID!) { revokeAccess(id: $id) { id } }`;

const CASE_OPEN = /* GraphQL */ `mutation Open($input: OpenCaseInput!) { openCase(input: $input) { id } }`;
const CASE_MOVE = /* GraphQL */ `mutation Move($id: ID!, $action: CaseAction!, $assignee: String) { transitionCase(id: $id, action: $action, assigneeUnitCode: $assignee) { id } }`;
const CASE_READ = /* GraphQL */ `query One($id: ID!) { case(id: $id) { assignee { code } reporterName reporterPhone maskedFields } }`;
/** The unit each person who handles cases works at: a case dispatched there is theirs to handle, its reporter still masked above the community. */
const ASSIGNEE_UNITS: Record<string, string> = {
  'city.admin': codeOf(CITY),
  'chongchuan.officer': codeOf(DISTRICT),
  'xuetian.officer': codeOf(XUETIAN),
  'shuguang.officer': codeOf(SHUGUANG),
  'hujing.grid': codeOf(HUJING),
};

const cells = PRINCIPALS.flatMap((principal) => PLACES.flatMap((place) => TYPES.map((type) => ({ principal, place, type }))));

describe.each(PRINCIPALS)('%s', (principal) => {
  const row = ROWS[principal]!;

  it.each(cells.filter((c) => c.principal === principal).map((c) => [`${c.type} ${c.place.name}`, c] as const))(
    'reads an alert %s as the permission table says',
    async (_name, cell) => {
      const fixture = fixtures.find((f) => f.place === cell.place && f.type === cell.type)!;
      const visible = covers(row.reads, cell.place.path, cell.type);
      const { body } = await hub.gql<any>(ALERT, { id: fixture.alertId }, { as: principal });
      if (!visible) {
        expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
        return;
      }
      expect(body.errors).toBeUndefined();
      expect(body.data.alert.id).toBe(fixture.alertId);
      // The device behind it: visible to the same readers for SMOKE's device kind only when the
      // principal reads devices there; its personal data full or masked by the unmask rule.
      const device = body.data.alert.device;
      if (device) {
        const full = row.unmasks.some((root) => within(cell.place.path, root));
        expect(device.holderPhone).toMatch(full ? /^139\d{8}$/ : /^139\*{4}\d{4}$/);
      }
    },
  );

  it('lists exactly the alerts its row gives, with a totalCount that agrees', async () => {
    const { body } = await hub.gql<any>(LIST, { filter: { from: new Date(Date.now() - 3_600_000).toISOString() } }, { as: principal });
    if (row.reads.length === 0) {
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'read', subject: 'Alert' });
      return;
    }
    const ids = new Set(body.data.alerts.edges.map((e: any) => e.node.id));
    for (const fixture of fixtures) expect(ids.has(fixture.alertId), `${fixture.type} ${fixture.place.name}`).toBe(covers(row.reads, fixture.place.path, fixture.type));
    expect(body.data.alerts.totalCount).toBe(ids.size);
  });

  it.each(PLACES.map((p) => [p.name, p] as const))('reads the alarm button %s: in full, masked or not at all', async (_name, place) => {
    const fixture = fixtures.find((f) => f.place === place)!;
    const { body } = await hub.gql<any>(DEVICE, { id: fixture.deviceId }, { as: principal });
    // Alarm buttons are not a fire-brigade domain type: the data officer reads none.
    if (!covers(row.reads, place.path, 'ELDERLY_ALARM_BUTTON')) {
      expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
      return;
    }
    const device = body.data.device;
    if (row.unmasks.some((root) => within(place.path, root))) {
      expect(device.holderPhone).toMatch(/^139\d{8}$/);
      expect(device.holderIdNumber).toMatch(/^320613\d{12}$/);
    } else {
      expect(device.holderPhone).toMatch(/^139\*{4}\d{4}$/);
      expect(device.holderIdNumber).toMatch(/^320613\*{8}\d{4}$/);
      expect(device.holderName).toMatch(/^.\*+$/u);
      expect(device.address).toMatch(/\*{4}$/);
    }
  });

  it.each(PLACES.map((p) => [p.name, p] as const))('reads a case %s assigned to its own unit: the reporter by the unmask rule, never by the assignment', async (_name, place) => {
    const home = ASSIGNEE_UNITS[principal];
    if (!home) return;
    const opened = await hub.gql<any>(CASE_OPEN, { input: { unitCode: codeOf(place.path), title: '矩阵', category: 'CITY_APPEARANCE', severity: 'MEDIUM', reporterName: '王五', reporterPhone: '13812349363' } }, { as: 'city.admin' });
    const id = opened.body.data.openCase.id;
    for (const [action, assignee] of [['REGISTER', undefined], ['DISPATCH', home]] as const) {
      const moved = await hub.gql<any>(CASE_MOVE, { id, action, assignee }, { as: 'city.admin' });
      expect(moved.body.errors).toBeUndefined();
    }
    const { body } = await hub.gql<any>(CASE_READ, { id }, { as: principal });
    expect(body.data.case.assignee.code).toBe(home);
    const full = row.unmasks.some((root) => within(place.path, root));
    expect([body.data.case.reporterName, body.data.case.reporterPhone]).toEqual(full ? ['王五', '13812349363'] : ['王*', '138****9363']);
    expect(body.data.case.maskedFields).toEqual(full ? [] : ['reporterName', 'reporterPhone']);
  });

  it.each(PLACES.map((p) => [p.name, p] as const))('acknowledges an alert %s only where its row allows', async (_name, place) => {
    const { body: raised } = await ingest('iot-platform', 'SMOKE', place.path);
    const id = raised.data.ingestAlerts.results[0].id;
    const { body } = await hub.gql<any>(ACK, { id }, { as: principal });
    if (row.acknowledges.some((root) => within(place.path, root))) {
      expect(body.data?.acknowledgeAlert).toEqual({ id, status: 'ACKNOWLEDGED' });
    } else if (covers(row.reads, place.path, 'SMOKE')) {
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'acknowledge', subject: 'Alert' });
    } else {
      expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    }
  });

  it.each(PLACES.flatMap((p) => TYPES.map((t) => [`${t} ${p.name}`, p, t] as const)))('ingests an alert %s only where its row allows', async (_name, place, type) => {
    const { body } = await ingest(principal, type, place.path);
    if (row.ingests.length === 0) {
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'ingest' });
      return;
    }
    const result = body.data.ingestAlerts.results[0];
    if (covers(row.ingests, place.path, type)) expect(result.status).toBe('ACCEPTED');
    else expect(result).toMatchObject({ status: 'REJECTED' });
  });

  it.each(PLACES.map((p) => [p.name, p] as const))('grants access to records %s only where its row allows', async (_name, place) => {
    const input = {
      granteeDepartmentCode: 'fire-brigade',
      kind: 'ALERT',
      withinUnitCode: codeOf(place.path),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'matrix',
    };
    const { body } = await hub.gql<any>(GRANT, { input }, { as: principal });
    if (row.grants.some((root) => within(place.path, root))) {
      expect(body.errors).toBeUndefined();
      await hub.gql(REVOKE, { id: body.data.grantAccess.id }, { as: principal });
    } else {
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', action: 'grant', subject: 'Grant' });
    }
  });
});

describe('anonymous (no credentials)', () => {
  it.each([
    ['alerts', LIST, {}],
    ['alert', ALERT, { id: '00000000-0000-4000-8000-000000000000' }],
    ['device', DEVICE, { id: '00000000-0000-4000-8000-000000000000' }],
    ['acknowledgeAlert', ACK, { id: '00000000-0000-4000-8000-000000000000' }],
    ['grantAccess', GRANT, { input: { granteeUnitCode: '320613008', kind: 'ALERT', withinUnitCode: '320613006', expiresAt: new Date(Date.now() + 1e6).toISOString(), reason: 'x' } }],
  ] as const)('%s answers UNAUTHENTICATED', async (_name, query, variables) => {
    const { body } = await hub.gql(query, variables);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});

describe('over WebSocket', () => {
  const RAISED = /* GraphQL */ `subscription { alertRaised { id externalId type unit { path } device { holderPhone } } }`;
  interface Raised {
    id: string;
    externalId: string;
    type: string;
    unit: { path: string };
    device: { holderPhone: string } | null;
  }

  it('each principal receives exactly the alerts its row gives, with personal data masked by the same rule', async () => {
    const readers = PRINCIPALS.filter((p) => ROWS[p]!.reads.length > 0);
    const before = hub.liveAlertSubscribers();
    const subs = new Map<string, LiveSubscription<Raised>>();
    for (const principal of readers) subs.set(principal, await subscribe<Raised>(hub.wsUrl, `Bearer ${await hub.token(principal)}`, RAISED));
    while (hub.liveAlertSubscribers() < before + readers.length) await new Promise((r) => setTimeout(r, 10));
    // Those without any read rule are refused at subscribe time.
    for (const principal of PRINCIPALS.filter((p) => ROWS[p]!.reads.length === 0)) {
      const refused = await subscribe<Raised>(hub.wsUrl, `Bearer ${await hub.token(principal)}`, RAISED);
      await refused.waitFor(1, 2000);
      expect(JSON.stringify(refused.errors)).toContain('FORBIDDEN');
      await refused.close();
    }
    try {
      const sent: { externalId: string; path: Path; type: string }[] = [];
      for (const fixture of fixtures) {
        const deviceRow = await hub.database.db.select({ externalId: devices.externalId }).from(devices).where(eq(devices.id, fixture.deviceId));
        const { body } = await ingest('iot-platform', fixture.type, fixture.place.path, deviceRow[0]!.externalId);
        expect(body.data.ingestAlerts.results[0].status).toBe('ACCEPTED');
        sent.push({ externalId: `matrix-${sequence - 1}`, path: fixture.place.path, type: fixture.type });
      }
      for (const [principal, sub] of subs) {
        const row = ROWS[principal]!;
        const expected = sent.filter((s) => covers(row.reads, s.path, s.type));
        await sub.waitFor(expected.length, 5000);
        // Give a wrong delivery time to arrive, then compare exactly.
        await new Promise((r) => setTimeout(r, 200));
        expect(sub.received.map((r) => r.externalId).sort(), principal).toEqual(expected.map((s) => s.externalId).sort());
        for (const raised of sub.received) {
          const full = row.unmasks.some((root) => within(raised.unit.path, root));
          if (raised.device) expect(raised.device.holderPhone, `${principal} ${raised.unit.path}`).toMatch(full ? /^139\d{8}$/ : /^139\*{4}\d{4}$/);
        }
      }
    } finally {
      for (const sub of subs.values()) await sub.close();
    }
  });
});
