import { context, createContextKey, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { NodeTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { PoolName } from './db/database.js';

/**
 * Terminology
 * - tracing on: OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands the hub a tracer). Then the
 *   hub makes a span per HTTP request, per resolver that ran SQL, per SQL statement and per live
 *   delivery batch. Off, none of this code runs: no resolver is wrapped, no span is made.
 * - pending resolver: a resolver that has not run SQL (yet). Its span is made, with the time the
 *   resolver started, when its first statement is sent: resolvers that never touch the database
 *   (most fields) leave no span.
 */

export interface Tracing {
  readonly tracer: Tracer;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Tracing with OTLP over HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: the exporter reads that
 * and the other standard `OTEL_EXPORTER_OTLP_*` variables itself; `OTEL_SERVICE_NAME` names the
 * service (default `gridhub`). Registers the W3C trace-context propagator and the
 * AsyncLocalStorage context manager for the process.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing | undefined {
  if (!env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim()) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME']?.trim() || 'gridhub' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return { tracer: provider.getTracer('gridhub'), shutdown: () => provider.shutdown() };
}

interface PendingResolver {
  readonly name: string;
  readonly startTime: number;
  readonly parent: Context;
  span?: Span;
  ended: boolean;
}

const PENDING_RESOLVER = createContextKey('gridhub pending resolver');

const wrapped = new WeakSet<object>();

/**
 * Wraps the schema's own resolvers (root fields and every field with a resolver of its own) so
 * that a resolver which runs SQL gets a span, parent of its statements' spans. Done in place,
 * once per schema.
 */
export function traceResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || wrapped.has(resolve)) continue;
      field.resolve = resolverInSpan(`${type.name}.${field.name}`, resolve);
      wrapped.add(field.resolve);
    }
  }
  return schema;
}

function resolverInSpan(name: string, resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, ctx, info) => {
    const parent = context.active();
    const pending: PendingResolver = { name, startTime: performance.timeOrigin + performance.now(), parent, ended: false };
    const done = (error?: unknown) => {
      pending.ended = true;
      if (!pending.span) return;
      if (error !== undefined) failed(pending.span, error);
      pending.span.end();
    };
    let result: unknown;
    try {
      result = context.with(parent.setValue(PENDING_RESOLVER, pending), () => resolve(source, args, ctx, info));
    } catch (error) {
      done(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          done();
          return value;
        },
        (error: unknown) => {
          done(error);
          throw error;
        },
      );
    }
    done();
    return result;
  };
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The longest statement text a span carries. */
const MAX_STATEMENT_TEXT = 2000;

/**
 * A span for a statement sent now, child of the resolver that sent it (whose span is made now if
 * this is its first statement) or of whatever span is active; none outside any span (a sweeper's
 * statements do not each start a trace). Returns what ends it.
 */
export function statementSpan(tracer: Tracer, pool: PoolName, text: string): ((error?: unknown) => void) | undefined {
  let parent = context.active();
  const pending = parent.getValue(PENDING_RESOLVER) as PendingResolver | undefined;
  if (pending && !pending.ended) {
    pending.span ??= tracer.startSpan(pending.name, { startTime: pending.startTime, attributes: { 'graphql.field.path': pending.name } }, pending.parent);
    parent = trace.setSpan(parent, pending.span);
  }
  if (!trace.getSpan(parent)) return undefined;
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const span = tracer.startSpan(
    verb,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': verb, 'db.query.text': text.slice(0, MAX_STATEMENT_TEXT), 'db.client.connection.pool.name': pool },
    },
    parent,
  );
  return (error) => {
    if (error !== undefined) failed(span, error);
    span.end();
  };
}

/** Runs `body` in a new root span `name` (a live delivery batch: it starts from a bus event, not a request). */
export async function inRootSpan<T>(tracer: Tracer, name: string, attributes: Record<string, string | number>, body: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, ROOT_CONTEXT, async (span) => {
    try {
      return await body(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
