import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestHub, type TestHub } from '../helpers/hub.js';

/** Apollo Client 4 against a running hub, with its normalised cache as applications configure it. */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

async function apollo(as: string): Promise<ApolloClient> {
  const token = await hub.token(as);
  return new ApolloClient({
    link: new HttpLink({ uri: `${hub.url}/graphql`, headers: { authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { alerts: relayStylePagination(['filter']) } } } }),
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

describe('Apollo Client', () => {
  it('queries, and fetchMore with relayStylePagination merges the next page after the first', async () => {
    const client = await apollo('xuetian.officer');
    const direct = await hub.gql<any>('{ alerts(first: 6) { edges { node { id } } } }', {}, { as: 'xuetian.officer' });
    const six = direct.body.data.alerts.edges.map((e: any) => e.node.id);
    const first = await client.query({ query: ALERTS, variables: { first: 3 } });
    expect((first.data as any).alerts.edges.map((e: any) => e.node.id)).toEqual(six.slice(0, 3));
    const watched = client.watchQuery({ query: ALERTS, variables: { first: 3 } });
    const subscription = watched.subscribe(() => {});
    await watched.fetchMore({ variables: { after: (first.data as any).alerts.pageInfo.endCursor } });
    subscription.unsubscribe();
    const merged = client.readQuery({ query: ALERTS, variables: { first: 3 } }) as any;
    expect(merged.alerts.edges.map((e: any) => e.node.id)).toEqual(six);
    expect(merged.alerts.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('reads an ingest report through the normalised cache with the right status per result', async () => {
    const client = await apollo('iot-platform');
    const record = { externalId: 'apollo-same-record', type: 'SMOKE', severity: 'LOW', occurredAt: new Date().toISOString(), unitCode: '320613006001001' };
    // One record three times and a bad one: ACCEPTED, DUPLICATE, DUPLICATE (the same recordId), REJECTED.
    const { data } = await client.mutate({
      mutation: gql`
        mutation Ingest($input: IngestAlertsInput!) {
          ingestAlerts(input: $input) { accepted duplicates rejected results { index externalId status recordId error { code } } }
        }
      `,
      variables: { input: { source: 'iot-platform', records: [record, record, record, { ...record, externalId: 'apollo-bad', unitCode: 'nowhere' }] } },
    });
    const results = (data as any).ingestAlerts.results;
    expect(results.map((r: any) => r.status)).toEqual(['ACCEPTED', 'DUPLICATE', 'DUPLICATE', 'REJECTED']);
    expect(new Set(results.slice(0, 3).map((r: any) => r.recordId)).size).toBe(1);
    expect(results[3].recordId).toBeNull();
  });

  it('a GraphQLWsLink subscription hears an alert ingested over HTTP', async () => {
    const token = await hub.token('shuguang.officer');
    const wsClient = createClient({ url: hub.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
    const client = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
    const heard: string[] = [];
    const subscription = client
      .subscribe({ query: gql`subscription { alertRaised { id externalId unit { code } } }` })
      .subscribe({ next: (result) => heard.push((result.data as any).alertRaised.externalId) });
    try {
      // The subscription registers after the socket's ack: ingest until it hears one.
      const ingest = (externalId: string) =>
        hub.gql(
          'mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }',
          { input: { source: 'iot-platform', records: [{ externalId, type: 'SMOKE', severity: 'HIGH', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }] } },
          { as: 'iot-platform' },
        );
      for (let i = 0; !heard.some((id) => id.startsWith('apollo-ws-')) && i < 50; i++) {
        await ingest(`apollo-ws-${i}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(heard.some((id) => id.startsWith('apollo-ws-'))).toBe(true);
    } finally {
      subscription.unsubscribe();
      await wsClient.dispose();
    }
  });
});
