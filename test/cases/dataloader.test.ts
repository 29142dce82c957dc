import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, freshDatabase, TestClock, type TestHub } from '../helpers/hub.js';
import { INGEST_ALERTS, OPEN, U, data } from './support.js';

/**
 * Every relation of a case goes through a DataLoader made once per request: the number of SQL
 * statements of a nested query (cases → unit, assignee, history, origin alert → device and
 * unit) does not grow with the number of cases. Statements are counted where the database
 * receives them (PGlite's query/exec, postgres.js' debug hook), for the whole HTTP request.
 */
const statements: string[] = [];
let counting = false;
let hub: TestHub;
let fresh: Awaited<ReturnType<typeof freshDatabase>>;
// A day ahead of every seeded case, so that the window holds only this file's cases.
const clock = new TestClock(new Date(Date.now() + 2 * 86_400_000));
const from = clock.now();

const NESTED = /* GraphQL */ `
  query Nested($filter: CaseFilter, $first: Int) {
    cases(filter: $filter, first: $first) {
      edges { node {
        id number state
        unit { code name tier }
        assignee { code name }
        history { seq action actor toState }
        alert { id type unit { code } device { externalId type } case { id } }
      } }
    }
  }
`;

beforeAll(async () => {
  // postgres.js reads pg_catalog.pg_type once per new pooled connection: the driver's, not the request's.
  fresh = await freshDatabase({ onStatement: (query) => counting && !query.includes('pg_catalog.pg_type') && statements.push(query) });
  hub = await createTestHub({ database: fresh.database, clock });
  const records = Array.from({ length: 100 }, (_, i) => ({
    externalId: `loader-${i}`,
    type: 'SMOKE',
    severity: 'MEDIUM',
    occurredAt: clock.now().toISOString(),
    unitCode: U.hujing,
    deviceExternalId: `320613006001-smoke_detector-0${1 + (i % 3)}`,
  }));
  const report = data(await hub.gql<{ ingestAlerts: { accepted: number; results: { id: string }[] } }>(INGEST_ALERTS, { input: { source: 'iot-platform', records } }, { as: 'iot-platform' }));
  expect(report.ingestAlerts.accepted).toBe(100);
  for (const result of report.ingestAlerts.results) {
    clock.advance(1000);
    data(await hub.gql(OPEN, { input: { alertId: result.id } }, { as: 'xuetian.officer' }));
  }
}, 300_000);

afterAll(async () => {
  await hub?.close();
  await fresh?.drop();
});

async function measure(first: number): Promise<{ statements: number; nodes: any[]; sql: string[] }> {
  statements.length = 0;
  counting = true;
  const response = await hub.gql<{ cases: { edges: { node: any }[] } }>(NESTED, { filter: { from: from.toISOString() }, first }, { as: 'xuetian.officer' });
  counting = false;
  return { statements: statements.length, nodes: data(response).cases.edges.map((e) => e.node), sql: [...statements] };
}

describe('DataLoader: statements per nested query', () => {
  it('are the same for 10 cases and for 100', async () => {
    // The first request also warms what is cached per process (the principal's access, pooled connections).
    await measure(10);
    const ten = await measure(10);
    const hundred = await measure(100);
    expect(ten.nodes).toHaveLength(10);
    expect(hundred.nodes).toHaveLength(100);
    for (const node of hundred.nodes) {
      expect(node).toEqual({
        id: expect.any(String),
        number: expect.stringMatching(/^320613-/),
        state: 'REPORTED',
        unit: { code: U.hujing, name: '互敬网格', tier: 'GRID' },
        assignee: { code: U.hujing, name: '互敬网格' },
        history: [{ seq: 1, action: 'OPEN', actor: 'xuetian.officer', toState: 'REPORTED' }],
        alert: { id: expect.any(String), type: 'SMOKE', unit: { code: U.hujing }, device: { externalId: expect.stringMatching(/^320613006001-smoke_detector-0[123]$/), type: 'SMOKE_DETECTOR' }, case: { id: node.id } },
      });
    }
    expect({ ten: ten.statements, sql: ten.sql.map((q) => q.slice(0, 60)) }).toEqual({ ten: hundred.statements, sql: hundred.sql.map((q) => q.slice(0, 60)) });
    // And few: the page, units, history, alerts, devices, the alerts' cases, and the request's own (principal, grants).
    expect(hundred.statements).toBeLessThanOrEqual(12);
  });
});
