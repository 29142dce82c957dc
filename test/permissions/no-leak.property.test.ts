import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { graphql, parse, subscribe as graphqlSubscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { createContext } from '../../src/context.js';
import { createSchema } from '../../src/schema.js';
import { abilityFor } from '../../src/policy.js';
import { tierOfPath } from '../../src/platform/auth/scope.js';
import type { Principal, Role } from '../../src/platform/auth/principal.js';
import { tables } from '../../src/tables.js';
import { ALERT_TYPES, type AlertRow } from '../../src/modules/alerts/index.js';
import { DEVICE_PERSONAL_FIELDS, DEVICE_TYPES, type DeviceRow } from '../../src/modules/devices/index.js';
import { CASE_PERSONAL_FIELDS, type CaseRow } from '../../src/modules/cases/index.js';
import { CASE_MASKS } from '../../src/modules/cases/case.policy.js';
import { EVENT_CATEGORY_CODES } from '../../src/modules/categories/index.js';
import { demoUnits } from '../../src/seed/demo-units.js';
import { maskFreeText } from '../../src/platform/privacy/free-text.js';
import { mayRead, mayReadCase, mayUnmask, mayUnmaskCase, within, type Case } from './oracle.js';

const { alerts, caseHistory: caseHistoryTable, cases, devices } = tables;

/**
 * A search for leaks: random principals (any unit, any roles, any department and domains),
 * random grants (any kind, types, fields, place, in force or expired) and random filters.
 * For each case the hub answers through its real resolvers, ability, SQL and masking; an
 * oracle written from the words of docs/design.md, "Who sees what", and docs/permissions.md (not from the policies) says what the rules give.
 * No record outside it may appear, no personal field may be unmasked outside it, and
 * `totalCount` must be exactly the oracle's count (a count is a leak too). Queries run 1,000
 * cases; subscriptions run 1,000 subscribers against random alerts; the alert and case pages
 * run random selections (read lean or in full).
 */

const UNITS = demoUnits();
const PATHS = UNITS.map((u) => u.path);
const PERSONAL = ['address', 'holderName', 'holderPhone', 'holderIdNumber'] as const;
// ---- generators -----------------------------------------------------------------------
const scopeOf = (path: string) => {
  const unit = UNITS.find((u) => u.path === path)!;
  return { code: unit.code, name: unit.name, tier: tierOfPath(path)!, path };
};
const upperPaths = PATHS.filter((p) => p.split('.').length <= 3);

function caseArb(now: Date): fc.Arbitrary<Case> {
  const grant = fc.record({
    kind: fc.constantFrom('Alert', 'Device', 'Case'),
    withinPath: fc.constantFrom(...PATHS),
    alertTypes: fc.option(fc.subarray([...ALERT_TYPES], { minLength: 1 }), { nil: null }),
    deviceTypes: fc.option(fc.subarray([...DEVICE_TYPES], { minLength: 1 }), { nil: null }),
    caseTypes: fc.option(fc.subarray([...EVENT_CATEGORY_CODES], { minLength: 1 }), { nil: null }),
    fields: fc.subarray([...PERSONAL]),
    caseFields: fc.subarray([...CASE_PERSONAL_FIELDS]),
    expired: fc.boolean(),
  });
  return fc
    .record({
      unit: fc.option(fc.constantFrom(...PATHS), { nil: null }),
      roles: fc.subarray<Role>(['OFFICER', 'ADMIN', 'GRID_WORKER', 'DATA_OFFICER', 'AUDITOR']),
      department: fc.option(
        fc.record({
          jurisdiction: fc.constantFrom(...upperPaths),
          alert: fc.option(fc.option(fc.subarray([...ALERT_TYPES], { minLength: 1 }), { nil: null }), { nil: undefined }),
          device: fc.option(fc.option(fc.subarray([...DEVICE_TYPES], { minLength: 1 }), { nil: null }), { nil: undefined }),
          case: fc.option(fc.option(fc.subarray([...EVENT_CATEGORY_CODES], { minLength: 1 }), { nil: null }), { nil: undefined }),
        }),
        { nil: null },
      ),
      grants: fc.array(grant, { maxLength: 3 }),
    })
    .map((r) => ({
      principal: {
        name: 'random',
        displayName: 'random',
        kind: 'PERSON',
        roles: r.roles,
        unit: r.unit ? scopeOf(r.unit) : null,
        department: r.department
          ? {
              code: 'random-dept',
              name: 'random',
              jurisdiction: scopeOf(r.department.jurisdiction),
              domains: [
                ...(r.department.alert !== undefined ? [{ kind: 'Alert', types: r.department.alert }] : []),
                ...(r.department.device !== undefined ? [{ kind: 'Device', types: r.department.device }] : []),
                ...(r.department.case !== undefined ? [{ kind: 'Case', types: r.department.case }] : []),
              ],
            }
          : null,
        expiresAt: null,
        credential: { kind: 'JWT', id: null },
      } satisfies Principal,
      grants: r.grants.map((g, i) => ({
        id: `g${i}`,
        kind: g.kind,
        types: g.kind === 'Alert' ? g.alertTypes : g.kind === 'Device' ? g.deviceTypes : g.caseTypes,
        fields: g.kind === 'Device' ? g.fields : g.kind === 'Case' ? g.caseFields : [],
        withinPath: g.withinPath,
        expiresAt: new Date(now.getTime() + (g.expired ? -60_000 : 3_600_000)),
      })),
    }));
}

const filterArb = fc.record({
  unit: fc.option(fc.constantFrom(...PATHS), { nil: null }),
  alertTypes: fc.option(fc.subarray([...ALERT_TYPES], { minLength: 1 }), { nil: null }),
  deviceTypes: fc.option(fc.subarray([...DEVICE_TYPES], { minLength: 1 }), { nil: null }),
});

// ---- the hub ---------------------------------------------------------------------------
let hub: TestHub;
let schema: GraphQLSchema;
let alertRows: AlertRow[];
let deviceRows: Map<string, DeviceRow>;
let caseRows: CaseRow[];

beforeAll(async () => {
  hub = await createTestHub();
  schema = await createSchema();
  alertRows = await hub.database.db.select().from(alerts);
  deviceRows = new Map((await hub.database.db.select().from(devices)).map((d) => [d.id, d]));
  caseRows = await hub.database.db.select().from(cases);
});
afterAll(async () => {
  await hub?.close();
});

function contextFor(c: Case) {
  const now = hub.handle.hub.clock.now();
  return createContext(hub.handle.hub, { principal: c.principal, grants: c.grants, ability: abilityFor(c.principal, c.grants, now) }, undefined);
}

const ALERTS = /* GraphQL */ `query Q($filter: AlertFilter) { alerts(filter: $filter, first: 100) { totalCount edges { node { id } } } }`;
const DEVICES = /* GraphQL */ `
  query Q($filter: DeviceFilter) { devices(filter: $filter, first: 100) { totalCount edges { node { id address holderName holderPhone holderIdNumber } } } }
`;

/** A device's personal fields as returned: each must be the full value only where the oracle unmasks it. */
function checkDevice(c: Case, node: Record<string, string | null>, now: Date): void {
  const row = deviceRows.get(node['id']!)!;
  expect(mayRead(c, 'Device', row, now)).toBe(true);
  for (const field of PERSONAL) {
    const raw = row[field];
    const shown = node[field];
    if (raw === null) {
      expect(shown).toBeNull();
      continue;
    }
    expect(shown, field).not.toBeNull();
    // Masked means the masking of that field (an address already cut to the building stays as it is).
    expect(shown, `${field} of ${row.id}`).toBe(mayUnmask(c, 'Device', row, field, now) ? raw : DEVICE_PERSONAL_FIELDS[field]!(raw));
  }
}

describe('no leak, by random search', () => {
  it('queries: 1,000 random principals, grants and filters', async () => {
    const now = hub.handle.hub.clock.now();
    await fc.assert(
      fc.asyncProperty(caseArb(now), filterArb, async (c, f) => {
        const unitCode = f.unit?.split('.').at(-1);
        const contextValue = contextFor(c);
        const alertResult = (await graphql({ schema, source: ALERTS, contextValue, variableValues: { filter: { unitCode, types: f.alertTypes } } })) as ExecutionResult<any>;
        const deviceResult = (await graphql({ schema, source: DEVICES, contextValue, variableValues: { filter: { unitCode, types: f.deviceTypes } } })) as ExecutionResult<any>;
        const inFilter = (path: string, type: string, types: readonly string[] | null) => (!f.unit || within(path, f.unit)) && (!types || types.includes(type));
        const expectedAlerts = alertRows.filter((a) => mayRead(c, 'Alert', a, now) && inFilter(a.unitPath, a.type, f.alertTypes));
        const expectedDevices = [...deviceRows.values()].filter((d) => mayRead(c, 'Device', d, now) && inFilter(d.unitPath, d.type, f.deviceTypes));

        // A principal with no read rule at all is refused outright (FORBIDDEN), which leaks nothing.
        if (alertResult.errors) {
          expect(alertResult.errors.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
          expect(expectedAlerts).toEqual([]);
        } else {
          const ids = new Set(alertResult.data.alerts.edges.map((e: any) => e.node.id));
          const allowed = new Set(expectedAlerts.map((a) => a.id));
          for (const id of ids) expect(allowed.has(id as string), `alert ${id} leaked`).toBe(true);
          expect(ids.size).toBe(Math.min(expectedAlerts.length, 100));
          expect(alertResult.data.alerts.totalCount).toBe(expectedAlerts.length);
        }
        if (deviceResult.errors) {
          expect(deviceResult.errors.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
          expect(expectedDevices).toEqual([]);
        } else {
          for (const edge of deviceResult.data.devices.edges) checkDevice(c, edge.node, now);
          expect(deviceResult.data.devices.edges.length).toBe(Math.min(expectedDevices.length, 100));
          expect(deviceResult.data.devices.totalCount).toBe(expectedDevices.length);
        }
      }),
      { numRuns: 1000 },
    );
  }, 600_000);

  it('alert pages with random selections (read lean or in full): 300 random principals, grants and selections', async () => {
    // The alert page reads fewer columns when its selection stays within the list fields
    // (alert.service.ts): whichever columns are read, the same alerts and devices must be
    // visible and every personal field masked as the oracle says.
    const now = hub.handle.hub.clock.now();
    const ALERT_SCALARS = ['id', 'externalId', 'source', 'type', 'severity', 'status', 'occurredAt', 'deviceExternalId', 'payload'] as const;
    const DEVICE_SCALARS = ['id', 'externalId', 'source', 'type', 'name', 'status', 'departmentCode', 'model', ...PERSONAL] as const;
    const selectionArb = fc.record({
      alert: fc.subarray([...ALERT_SCALARS], { minLength: 1 }),
      unit: fc.boolean(),
      device: fc.option(fc.subarray([...DEVICE_SCALARS], { minLength: 1 }), { nil: null }),
      viaFragment: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(caseArb(now), selectionArb, async (c, sel) => {
        const deviceSelection = sel.device ? ` device { id ${sel.device.join(' ')} }` : '';
        const node = `id ${sel.alert.join(' ')}${sel.unit ? ' unit { code }' : ''}${deviceSelection}`;
        const source = sel.viaFragment
          ? `query Q { alerts(first: 100) { edges { node { ...A } } } } fragment A on Alert { ${node} }`
          : `query Q { alerts(first: 100) { edges { node { ${node} } } } }`;
        const result = (await graphql({ schema, source, contextValue: contextFor(c) })) as ExecutionResult<any>;
        const expected = alertRows.filter((a) => mayRead(c, 'Alert', a, now));
        if (result.errors) {
          expect(result.errors.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
          expect(expected).toEqual([]);
          return;
        }
        const byId = new Map(expected.map((a) => [a.id, a]));
        const nodes = result.data.alerts.edges.map((e: any) => e.node);
        expect(nodes.length).toBe(Math.min(expected.length, 100));
        for (const n of nodes) {
          const row = byId.get(n.id);
          expect(row, `alert ${n.id} leaked`).toBeDefined();
          for (const field of ['externalId', 'source', 'type', 'severity', 'status'] as const) if (field in n) expect(n[field]).toBe(row![field]);
          if (sel.unit) expect(n.unit.code).toBe(row!.unitCode);
          if (!sel.device) continue;
          const device = row!.deviceId ? deviceRows.get(row!.deviceId) : undefined;
          if (!device || !mayRead(c, 'Device', device, now)) {
            expect(n.device, `device of ${n.id}`).toBeNull();
            continue;
          }
          expect(n.device.id).toBe(device.id);
          for (const field of ['externalId', 'source', 'type', 'name', 'status', 'departmentCode', 'model'] as const) if (field in n.device) expect(n.device[field]).toBe(device[field]);
          for (const field of PERSONAL) {
            if (!(field in n.device)) continue;
            const raw = device[field];
            expect(n.device[field], `${field} of ${device.id}`).toBe(raw === null ? null : mayUnmask(c, 'Device', device, field, now) ? raw : DEVICE_PERSONAL_FIELDS[field]!(raw));
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 600_000);

  it('case pages with random selections (read lean or in full): 300 random principals, grants and selections', async () => {
    // The case page reads fewer columns and history fields when its selection allows
    // (case.read.ts): whichever are read, the same cases must be visible, the same actions
    // allowed, and every reporter field masked as the oracle says.
    const now = hub.handle.hub.clock.now();
    const CASE_SCALARS = ['number', 'title', 'description', 'category', 'severity', 'state', 'version', 'openedAt', 'deadlineAt', 'openedBy', 'overdue', 'allowedActions', 'maskedFields', ...CASE_PERSONAL_FIELDS] as const;
    const HISTORY_FIELDS = ['seq', 'actor', 'actorUnitCode', 'at', 'action', 'fromState', 'toState', 'note', 'assigneeBefore', 'assigneeAfter'] as const;
    const selectionArb = fc.record({
      fields: fc.subarray([...CASE_SCALARS]),
      unit: fc.boolean(),
      assignee: fc.boolean(),
      history: fc.option(fc.subarray([...HISTORY_FIELDS], { minLength: 1 }), { nil: null }),
      viaFragment: fc.boolean(),
    });
    const historyCount = new Map<string, number>();
    for (const row of await hub.database.db.select({ caseId: caseHistoryTable.caseId }).from(caseHistoryTable)) historyCount.set(row.caseId, (historyCount.get(row.caseId) ?? 0) + 1);
    // Half the principals sit at the unit a case with a reporter is assigned to: being the
    // assignee must not unmask, and is otherwise rarely met at random.
    const assignees = [...new Set(caseRows.filter((row) => row.reporterName ?? row.reporterPhone).map((row) => row.assigneePath))];
    expect(assignees.length).toBeGreaterThan(0);
    const principalArb = fc
      .tuple(caseArb(now), fc.option(fc.constantFrom(...assignees), { nil: null }))
      .map(([c, path]) => (path ? { ...c, principal: { ...c.principal, unit: scopeOf(path) } } : c));
    await fc.assert(
      fc.asyncProperty(principalArb, selectionArb, async (c, sel) => {
        const node = `id ${sel.fields.join(' ')}${sel.unit ? ' unit { code }' : ''}${sel.assignee ? ' assignee { code }' : ''}${sel.history ? ` history { ${sel.history.join(' ')} }` : ''}`;
        const source = sel.viaFragment
          ? `query Q { cases(first: 100) { totalCount edges { node { ...C } } } } fragment C on Case { ${node} }`
          : `query Q { cases(first: 100) { totalCount edges { node { ${node} } } } }`;
        const result = (await graphql({ schema, source, contextValue: contextFor(c) })) as ExecutionResult<any>;
        const expected = caseRows.filter((row) => mayReadCase(c, row, now));
        if (result.errors) {
          expect(result.errors.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
          expect(expected).toEqual([]);
          return;
        }
        const byId = new Map(expected.map((row) => [row.id, row]));
        const nodes = result.data.cases.edges.map((e: any) => e.node);
        expect(nodes.length).toBe(Math.min(expected.length, 100));
        expect(result.data.cases.totalCount).toBe(expected.length);
        for (const n of nodes) {
          const row = byId.get(n.id);
          expect(row, `case ${n.id} leaked`).toBeDefined();
          for (const field of ['number', 'category', 'severity', 'state', 'version', 'openedBy'] as const) if (field in n) expect(n[field]).toBe(row![field]);
          // Free text: phone and ID numbers in it are masked wherever the reporter is.
          for (const field of ['title', 'description'] as const) if (field in n) expect(n[field]).toBe(mayUnmaskCase(c, row!, 'reporterPhone', now) ? row![field] : maskFreeText(row![field]));
          if ('deadlineAt' in n) expect(new Date(n.deadlineAt).getTime()).toBe(row!.deadlineAt.getTime());
          if ('overdue' in n) expect(typeof n.overdue).toBe('boolean');
          if (sel.unit) expect(n.unit.code).toBe(row!.unitCode);
          if (sel.assignee) expect(n.assignee.code).toBe(row!.assigneeCode);
          if (sel.history) expect(n.history.length, `history of ${n.id}`).toBe(historyCount.get(row!.id));
          for (const field of CASE_PERSONAL_FIELDS) {
            if (!(field in n)) continue;
            const raw = row![field];
            expect(n[field], `${field} of ${row!.id}`).toBe(raw === null || raw === '' ? raw : mayUnmaskCase(c, row!, field, now) ? raw : CASE_MASKS[field](raw));
          }
          if ('maskedFields' in n) {
            expect(n.maskedFields, `maskedFields of ${row!.id}`).toEqual(CASE_PERSONAL_FIELDS.filter((field) => row![field] != null && row![field] !== '' && !mayUnmaskCase(c, row!, field, now)));
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 600_000);

  it('subscriptions: 1,000 random subscribers against random alerts', async () => {
    const now = hub.handle.hub.clock.now();
    const devicesByCommunity = new Map<string, DeviceRow[]>();
    for (const d of deviceRows.values()) if (d.communityCode) devicesByCommunity.set(d.communityCode, [...(devicesByCommunity.get(d.communityCode) ?? []), d]);
    const gridPaths = PATHS.filter((p) => p.split('.').length === 5);
    const SUBSCRIPTION = parse(/* GraphQL */ `
      subscription S($filter: AlertFilter) { alertRaised(filter: $filter) { id externalId device { id address holderName holderPhone holderIdNumber } } }
    `);
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(caseArb(now), filterArb), { minLength: 100, maxLength: 100 }),
        fc.array(fc.record({ grid: fc.constantFrom(...gridPaths), type: fc.constantFrom(...ALERT_TYPES), withDevice: fc.boolean() }), { minLength: 20, maxLength: 20 }),
        async (subscribers, raised) => {
          round++;
          const streams = await Promise.all(
            subscribers.map(async ([c, f]) => {
              const stream = (await graphqlSubscribe({
                schema,
                document: SUBSCRIPTION,
                contextValue: contextFor(c),
                variableValues: { filter: { unitCode: f.unit?.split('.').at(-1), types: f.alertTypes } },
              })) as AsyncIterableIterator<ExecutionResult<any>> | ExecutionResult;
              const received: any[] = [];
              if (!(Symbol.asyncIterator in stream)) {
                // Refused at subscribe time: only right when the principal reads no alert at all.
                expect(stream.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
                return { c, f, received, stop: async () => {} };
              }
              const pump = (async () => {
                for await (const event of stream) received.push(event.data?.alertRaised);
              })();
              return { c, f, received, stop: async () => { await stream.return?.(); await pump; } };
            }),
          );
          const records = raised.map((r, i) => {
            const community = r.grid.split('.')[3]!;
            const device = r.withDevice ? devicesByCommunity.get(community)?.[i % 7] : undefined;
            return {
              externalId: `prop-${round}-${i}`,
              type: r.type,
              severity: 'HIGH',
              occurredAt: new Date().toISOString(),
              unitCode: r.grid.split('.').at(-1),
              ...(device ? { deviceExternalId: device.externalId } : {}),
            };
          });
          const { body } = await hub.gql<any>(
            /* GraphQL */ `mutation I($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }`,
            { input: { source: 'iot-platform', records } },
            { as: 'iot-platform' },
          );
          expect(body.data.ingestAlerts.accepted).toBe(records.length);
          const sentPaths = new Map(raised.map((r, i) => [`prop-${round}-${i}`, { unitPath: r.grid, type: r.type }]));
          const expectedFor = (c: Case, f: (typeof subscribers)[number][1]) =>
            [...sentPaths].filter(([, rec]) => mayRead(c, 'Alert', rec, now) && (!f.unit || within(rec.unitPath, f.unit)) && (!f.alertTypes || f.alertTypes.includes(rec.type))).map(([id]) => id);
          // Wait until every subscriber has what it should, then a little for anything extra.
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline && streams.some((s) => s.received.length < expectedFor(s.c, s.f).length)) await new Promise((r) => setTimeout(r, 20));
          await new Promise((r) => setTimeout(r, 100));
          for (const s of streams) {
            expect(s.received.map((r) => r.externalId).sort()).toEqual(expectedFor(s.c, s.f).sort());
            for (const alert of s.received) if (alert.device) checkDevice(s.c, alert.device, now);
          }
          await Promise.all(streams.map((s) => s.stop()));
        },
      ),
      { numRuns: 10 },
    );
  }, 600_000);
});
