import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';
import { parseMetrics, scrape, valueOf, type Sample } from '../helpers/metrics.js';

/**
 * GET /metrics after real traffic: GraphQL requests by operation, outcome and code, refusals by
 * limit, SQL statements, WebSockets and subscriptions, deliveries, ingest records by kind and
 * outcome, the audit log's length, process metrics; METRICS_TOKEN; two hubs in one process.
 */

const METRICS_TOKEN = 'scrape-secret-0123456789';
let hub: TestHub;

beforeAll(async () => {
  hub = await createTestHub({ env: { METRICS_TOKEN } });
});
afterAll(() => hub?.close());

const ALERTS = 'query AlertPage { alerts(first: 5) { edges { node { id } } } }';
const DEEP = `query TooDeep { unit(code: "320613006001001") { parent { parent { parent { parent { children { children { children { children { code } } } } } } } } } }`;
const INGEST = 'mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted duplicates rejected } }';

function alertRecords(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    externalId: `${prefix}-${i}`,
    type: 'SMOKE',
    severity: 'LOW',
    occurredAt: new Date().toISOString(),
    unitCode: '320613006001001',
  }));
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const metrics = () => scrape(hub.url, METRICS_TOKEN);
const series = (samples: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels);

describe('GET /metrics', () => {
  it('answers 401 without the METRICS_TOKEN, and Prometheus text with it', async () => {
    const bare = await fetch(`${hub.url}/metrics`);
    expect({ status: bare.status, body: await bare.json() }).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'Send "Authorization: Bearer <METRICS_TOKEN>"' } } });
    const wrong = await fetch(`${hub.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await right.text());
    // Process metrics, from prom-client's default set.
    expect(series(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(series(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts GraphQL requests by operation, outcome and code, refusals, and SQL statements', async () => {
    const before = await metrics();
    for (let i = 0; i < 3; i++) expect((await hub.gql(ALERTS, {}, { as: 'xuetian.officer' })).status).toBe(200);
    expect((await hub.gql('query Broken { nope }', {}, { as: 'xuetian.officer' })).body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await hub.gql(DEEP, {}, { as: 'city.admin' })).body.errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');
    expect((await hub.gql(ALERTS, {})).body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const after = await metrics();
    const moved = (name: string, labels: Record<string, string> = {}) => series(after, name, labels) - series(before, name, labels);

    expect({
      ok: moved('gridhub_graphql_requests_total', { type: 'query', operation: 'AlertPage', outcome: 'ok', code: 'none' }),
      unauthenticated: moved('gridhub_graphql_requests_total', { operation: 'AlertPage', outcome: 'error', code: 'UNAUTHENTICATED' }),
      invalid: moved('gridhub_graphql_requests_total', { outcome: 'error', code: 'GRAPHQL_VALIDATION_FAILED' }),
      tooDeep: moved('gridhub_graphql_requests_total', { outcome: 'error', code: 'QUERY_TOO_COMPLEX' }),
      timed: moved('gridhub_graphql_request_duration_seconds_count', { type: 'query', operation: 'AlertPage' }),
      refusals: moved('gridhub_refusals_total', { code: 'QUERY_TOO_COMPLEX' }),
      http: moved('gridhub_http_requests_total', { route: 'graphql' }),
    }).toEqual({ ok: 3, unauthenticated: 1, invalid: 1, tooDeep: 1, timed: 4, refusals: 1, http: 6 });
    expect(moved('gridhub_graphql_request_duration_seconds_sum', { operation: 'AlertPage' })).toBeGreaterThan(0);
    // Three pages read from the database (and the bearer tokens' principals), on the main pool.
    expect(moved('gridhub_db_statements_total', { pool: 'main' })).toBeGreaterThanOrEqual(3);
    expect(moved('gridhub_db_statement_duration_seconds_count', { pool: 'main' })).toBe(moved('gridhub_db_statements_total', { pool: 'main' }));
    expect(series(after, 'gridhub_db_pool_max_connections', { pool: 'main' })).toBeGreaterThanOrEqual(1);
    expect(series(after, 'gridhub_db_statements_in_flight', { pool: 'main' })).toBeGreaterThanOrEqual(0);
  });

  it('counts WebSockets, subscriptions by field, deliveries, ingest records by kind and outcome, and audit entries', async () => {
    const before = await metrics();
    const subscribers = hub.liveAlertSubscribers();
    const live = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, 'subscription { alertRaised { externalId } }');
    try {
      await until(() => hub.liveAlertSubscribers() === subscribers + 1);
      const during = await metrics();
      expect(series(during, 'gridhub_websocket_connections')).toBe(series(before, 'gridhub_websocket_connections') + 1);
      expect(series(during, 'gridhub_live_subscriptions', { field: 'alertRaised' })).toBe(series(before, 'gridhub_live_subscriptions', { field: 'alertRaised' }) + 1);

      const first = await hub.gql(INGEST, { input: { source: 'iot-platform', records: alertRecords('metrics', 4) } }, { as: 'iot-platform' });
      expect(first.body.data).toEqual({ ingestAlerts: { accepted: 4, duplicates: 0, rejected: 0 } });
      await live.waitFor(4);
      const again = [...alertRecords('metrics', 2), { ...alertRecords('elsewhere', 1)[0]!, unitCode: '999999999999999' }];
      const second = await hub.gql(INGEST, { input: { source: 'iot-platform', records: again } }, { as: 'iot-platform' });
      expect(second.body.data).toEqual({ ingestAlerts: { accepted: 0, duplicates: 2, rejected: 1 } });
      const after = await metrics();
      const moved = (name: string, labels: Record<string, string> = {}) => series(after, name, labels) - series(before, name, labels);
      expect({
        accepted: moved('gridhub_ingest_records_total', { kind: 'Alert', outcome: 'ACCEPTED' }),
        duplicates: moved('gridhub_ingest_records_total', { kind: 'Alert', outcome: 'DUPLICATE' }),
        rejected: moved('gridhub_ingest_records_total', { kind: 'Alert', outcome: 'REJECTED' }),
        deliveries: moved('gridhub_live_deliveries_total', { field: 'alertRaised' }),
        batches: moved('gridhub_live_batches_total', { field: 'alertRaised' }) >= 1,
        opened: moved('gridhub_websocket_connections_opened_total'),
        slowCloses: moved('gridhub_live_slow_client_closes_total'),
      }).toEqual({ accepted: 4, duplicates: 2, rejected: 1, deliveries: 4, batches: true, opened: 1, slowCloses: 0 });
      // The batches' audit entries are in the chain the gauge reads.
      expect(moved('gridhub_audit_log_entries')).toBeGreaterThanOrEqual(1);
      expect(series(after, 'gridhub_live_queue_depth', { field: 'alertRaised' })).toBe(0);
    } finally {
      await live.close();
    }
    await until(() => hub.liveAlertSubscribers() === subscribers);
    let closed = await metrics();
    // The client closes its socket once the subscription completed; the server sees the close a moment later.
    for (let tries = 0; series(closed, 'gridhub_websocket_connections') !== series(before, 'gridhub_websocket_connections') && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      closed = await metrics();
    }
    expect(series(closed, 'gridhub_websocket_connections')).toBe(series(before, 'gridhub_websocket_connections'));
    expect(series(closed, 'gridhub_live_subscriptions', { field: 'alertRaised' })).toBe(series(before, 'gridhub_live_subscriptions', { field: 'alertRaised' }));
  });

  it('keeps each hub of a process to its own registry, and is open without METRICS_TOKEN', async () => {
    const other = await createTestHub();
    try {
      await other.gql(ALERTS, {}, { as: 'xuetian.officer' });
      const [mine, theirs] = await Promise.all([metrics(), scrape(other.url)]);
      expect(series(theirs, 'gridhub_graphql_requests_total', { operation: 'AlertPage' })).toBe(1);
      expect(series(mine, 'gridhub_graphql_requests_total', { operation: 'AlertPage' })).toBeGreaterThanOrEqual(4);
      expect(series(theirs, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('has every series the example Grafana dashboard (docs/grafana/gridhub.json) reads', async () => {
    const dashboard = readFileSync(new URL('../../docs/grafana/gridhub.json', import.meta.url), 'utf8');
    const read = new Set([...dashboard.matchAll(/\b((?:gridhub|process|nodejs)_[a-z0-9_]+)\{/g)].map((m) => m[1]!.replace(/_bucket$/, '')));
    const response = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const described = new Set([...(await response.text()).matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((name) => !described.has(name))).toEqual([]);
  });
});
