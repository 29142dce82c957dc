import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fetchExchange, gql } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/** urql with its normalised cache (graphcache) against a running hub, configured as an application would. */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

async function urql(as: string): Promise<Client> {
  const token = await hub.token(as);
  return new Client({
    url: `${hub.url}/graphql`,
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [
      cacheExchange({
        // Ingest reports and their results are values of one answer, not records: no key.
        keys: { IngestReport: () => null, IngestResult: () => null, RecordError: () => null, PageInfo: () => null },
        resolvers: { Query: { alerts: relayPagination() } },
      }),
      fetchExchange,
    ],
    requestPolicy: 'cache-first',
  });
}

const ALERTS = gql`
  query Alerts($first: Int, $after: String) {
    alerts(first: $first, after: $after) {
      edges { cursor node { id severity } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

describe('urql with graphcache', () => {
  it('pages with relayPagination: the second page merges after the first, in the hub’s order', async () => {
    const client = await urql('xuetian.officer');
    const direct = await hub.gql<any>('{ alerts(first: 6) { edges { node { id } } } }', {}, { as: 'xuetian.officer' });
    const six = direct.body.data.alerts.edges.map((e: any) => e.node.id);
    const first = await client.query(ALERTS, { first: 3 }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.alerts.edges.map((e: any) => e.node.id)).toEqual(six.slice(0, 3));
    const second = await client.query(ALERTS, { first: 3, after: first.data.alerts.pageInfo.endCursor }).toPromise();
    expect(second.error).toBeUndefined();
    expect(second.data.alerts.edges.map((e: any) => e.node.id)).toEqual(six);
    expect(second.data.alerts.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('reads an ingest report through the cache with the right status per result', async () => {
    const client = await urql('iot-platform');
    const record = { externalId: 'urql-same-record', type: 'SMOKE', severity: 'LOW', occurredAt: new Date().toISOString(), unitCode: '320613006001001' };
    const result = await client
      .mutation(
        gql`
          mutation Ingest($input: IngestAlertsInput!) {
            ingestAlerts(input: $input) { accepted duplicates rejected results { index externalId status recordId error { code } } }
          }
        `,
        { input: { source: 'iot-platform', records: [record, record, record, { ...record, externalId: 'urql-bad', unitCode: 'nowhere' }] } },
      )
      .toPromise();
    expect(result.error).toBeUndefined();
    const results = result.data.ingestAlerts.results;
    expect(results.map((r: any) => r.status)).toEqual(['ACCEPTED', 'DUPLICATE', 'DUPLICATE', 'REJECTED']);
    expect(results.map((r: any) => r.index)).toEqual([0, 1, 2, 3]);
    expect(new Set(results.slice(0, 3).map((r: any) => r.recordId)).size).toBe(1);
    expect(results[3].recordId).toBeNull();
  });
});
