import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { subscribe } from '../helpers/ws.js';
import { createLogger } from '../../src/platform/log.js';

/**
 * Traces with the SDK's in-memory exporter: a server span per HTTP request (child of the caller's
 * traceparent), a span per resolver that ran SQL, a span per statement, a span per live delivery
 * batch; request ids echoed and on the log lines with the trace id; a hub without a tracer makes
 * no span at all.
 */

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

const lines: Record<string, unknown>[] = [];
let hub: TestHub;

beforeAll(async () => {
  hub = await createTestHub({
    tracer: provider.getTracer('gridhub-test'),
    // Every request is logged (threshold 0 ms).
    env: { LOG_SLOW_REQUEST_MS: '0' },
    log: createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  });
});
afterAll(async () => {
  await hub?.close();
  await provider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  lines.length = 0;
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';
const ALERTS = 'query AlertPage { alerts(first: 5) { edges { node { id unit { code } } } } }';

async function post(query: string, headers: Record<string, string>, as = 'xuetian.officer'): Promise<Response> {
  return fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token(as)}`, ...headers },
    body: JSON.stringify({ query }),
  });
}

const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('traces', () => {
  it("makes the request's span a child of the incoming traceparent, with resolver and SQL spans under it", async () => {
    const response = await post(ALERTS, { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, 'x-request-id': 'req-observe-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-observe-1');
    await response.json();
    await until(() => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.SERVER));

    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(new Set([TRACE_ID]));
    const server = spans.find((span) => span.kind === SpanKind.SERVER)!;
    expect({ name: server.name, parent: parentOf(server), status: server.attributes['http.response.status_code'], operation: server.attributes['graphql.operation.name'] }).toEqual({
      name: 'query AlertPage',
      parent: PARENT_SPAN,
      status: 200,
      operation: 'AlertPage',
    });
    const resolver = spans.find((span) => span.name === 'Query.alerts');
    expect(resolver && parentOf(resolver)).toBe(spanId(server));
    const statements = spans.filter((span) => span.kind === SpanKind.CLIENT);
    // The page itself is read under the resolver's span; its units are loaded by the resolver of `unit`.
    const pageReads = statements.filter((span) => parentOf(span) === spanId(resolver!));
    expect(pageReads.length).toBeGreaterThanOrEqual(1);
    expect(pageReads.some((span) => String(span.attributes['db.query.text']).includes('"alerts"'))).toBe(true);
    expect(pageReads[0]!.attributes['db.system.name']).toBe('postgresql');
    // Every statement span's parent is a span of this request (a resolver's, or the request's own while it authenticates).
    const ids = new Set(spans.map(spanId));
    expect(statements.every((span) => ids.has(parentOf(span)!))).toBe(true);
    // Fields that never touch the database leave no span.
    expect(spans.some((span) => span.name === 'Alert.id')).toBe(false);
  });

  it('starts a new trace without a traceparent, and replaces a request id that is not sane', async () => {
    const response = await post(ALERTS, { 'x-request-id': 'not a sane id; drop table' });
    await response.json();
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await until(() => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.SERVER));
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext).toBeUndefined();
    await until(() => lines.some((line) => line['message'] === 'request'));
    expect(lines.find((line) => line['message'] === 'request')).toMatchObject({ requestId, traceId: server.spanContext().traceId });
  });

  it('makes a root span per live delivery batch, with its SQL under it', async () => {
    const live = await subscribe<{ externalId: string }>(hub.wsUrl, `Bearer ${await hub.token('xuetian.officer')}`, 'subscription { alertRaised { externalId } }');
    try {
      await until(() => hub.liveAlertSubscribers() === 1);
      const records = [{ externalId: 'traced-1', type: 'SMOKE', severity: 'LOW', occurredAt: new Date().toISOString(), unitCode: '320613006001001' }];
      const { body } = await hub.gql('mutation ($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }', { input: { source: 'iot-platform', records } }, { as: 'iot-platform' });
      expect(body.data).toEqual({ ingestAlerts: { accepted: 1 } });
      await live.waitFor(1);
      await until(() => exporter.getFinishedSpans().some((span) => span.name === 'live alertRaised'));
      const spans = exporter.getFinishedSpans();
      const batch = spans.find((span) => span.name === 'live alertRaised')!;
      expect({ parent: batch.parentSpanContext, subscribers: batch.attributes['gridhub.live.subscribers'] }).toEqual({ parent: undefined, subscribers: 1 });
      expect(spans.filter((span) => span.kind === SpanKind.CLIENT && parentOf(span) === spanId(batch)).length).toBeGreaterThanOrEqual(1);
      // The mutation's own request span, its resolver and its statements, in another trace.
      const mutation = spans.find((span) => span.kind === SpanKind.SERVER && span.name === 'mutation')!;
      expect(spans.find((span) => span.name === 'Mutation.ingestAlerts' && parentOf(span) === spanId(mutation))).toBeDefined();
    } finally {
      await live.close();
    }
  });
});

describe('logs', () => {
  it('carries the request id, the trace id and the operation on the request line', async () => {
    const response = await post(ALERTS, { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`, 'x-request-id': 'req-observe-2' });
    await response.json();
    await until(() => lines.some((line) => line['message'] === 'request'));
    expect(lines.find((line) => line['message'] === 'request')).toMatchObject({
      level: 'info',
      requestId: 'req-observe-2',
      traceId: TRACE_ID,
      operation: 'query AlertPage',
      method: 'POST',
      route: 'graphql',
      status: 200,
    });
  });
});

describe('tracing off', () => {
  it('makes no span on a hub without a tracer, and still logs the caller’s trace id', async () => {
    const quietLines: Record<string, unknown>[] = [];
    const plain = await createTestHub({ env: { LOG_SLOW_REQUEST_MS: '0' }, log: createLogger('info', (line) => quietLines.push(JSON.parse(line) as Record<string, unknown>)) });
    try {
      exporter.reset();
      const response = await fetch(`${plain.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await plain.token('xuetian.officer')}`, traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` },
        body: JSON.stringify({ query: ALERTS }),
      });
      expect(response.status).toBe(200);
      await response.json();
      await until(() => quietLines.some((line) => line['message'] === 'request'));
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect(quietLines.find((line) => line['message'] === 'request')).toMatchObject({ traceId: TRACE_ID, requestId: response.headers.get('x-request-id') });
    } finally {
      await plain.close();
    }
  });
});
