import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/** Catching up by arrival: `receivedFrom`/`receivedTo` bound receivedAt (ingest time), not occurredAt. */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) {
    ingestAlerts(input: $input) { accepted rejected }
  }
`;
const LIST = /* GraphQL */ `
  query ($filter: AlertFilter) { alerts(filter: $filter, first: 100) { edges { node { externalId receivedAt } } } }
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ingest(externalId: string, occurredAt: Date): Promise<void> {
  const record = { externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: occurredAt.toISOString(), unitCode: '320613006001' };
  const { body } = await hub.gql<{ ingestAlerts: { accepted: number } }>(INGEST, { input: { source: 'iot-platform', records: [record], atomic: false } }, { as: 'iot-platform' });
  expect(body.errors).toBeUndefined();
  expect(body.data!.ingestAlerts.accepted).toBe(1);
}

async function listed(filter: Record<string, unknown>): Promise<string[]> {
  const { body } = await hub.gql<{ alerts: { edges: { node: { externalId: string } }[] } }>(LIST, { filter: { unitCode: '320613006', ...filter } }, { as: 'xuetian.officer' });
  expect(body.errors).toBeUndefined();
  return body.data!.alerts.edges.map((edge) => edge.node.externalId).filter((id) => id.startsWith('received-'));
}

describe('alerts(filter: { receivedFrom, receivedTo })', () => {
  it('selects by ingest time, so an alert reported late is caught up by arrival', async () => {
    const hour = 3_600_000;
    await ingest('received-early', new Date(Date.now() - hour));
    await sleep(50);
    const boundary = new Date();
    await sleep(50);
    // Happened two days ago, reported only now.
    await ingest('received-late', new Date(Date.now() - 48 * hour));

    expect(await listed({ receivedFrom: boundary.toISOString() })).toEqual(['received-late']);
    expect(await listed({ receivedTo: boundary.toISOString() })).toEqual(['received-early']);
    // By occurredAt the late one is missed: why the catch-up filters on receivedAt.
    expect(await listed({ from: boundary.toISOString() })).toEqual([]);
    expect(await listed({ receivedFrom: new Date(Date.now() - 2 * hour).toISOString(), receivedTo: boundary.toISOString() })).toEqual(['received-early']);
  });

  it('refuses a receivedFrom that is not a date-time with a coded error', async () => {
    const { body } = await hub.gql(LIST, { filter: { receivedFrom: 'yesterday' } }, { as: 'xuetian.officer' });
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
  });
});
