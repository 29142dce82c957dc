import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './context.js';
import { maskFreeText } from './privacy/free-text.js';

/**
 * No personal values in logs: a failed statement's message carries its parameters (the
 * driver's `params: …` line, PostgreSQL's `DETAIL: Key (…)=(…)`), which may be a resident's
 * phone or name. Those are cut, and phone and ID numbers anywhere else in a logged text masked.
 */
export function redactLogText(text: string): string {
  return maskFreeText(text.replace(/^(\s*params:).*$/gm, '$1 [redacted]').replace(/(Key \([^)]*\)=\().*?(\) )/g, '$1[redacted]$2'));
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactLogText(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'params' || k === 'parameters' ? '[redacted]' : redact(v)]));
  return value;
}

/**
 * What every log line written while a request is handled carries: its request id (`requestId`,
 * echoed to the client as `x-request-id`), its trace id (`traceId`, when the request has one),
 * and for GraphQL the operation (`operation`, once it is known).
 */
export interface RequestLogFields {
  readonly requestId: string;
  readonly traceId?: string;
  operation?: string;
}

const requestFields = new AsyncLocalStorage<RequestLogFields>();

/** Runs `body` (and everything it starts) with `fields` on every log line it writes. */
export function withRequestFields<T>(fields: RequestLogFields, body: () => T): T {
  return requestFields.run(fields, body);
}

/** The fields of the request being handled, if any. */
export function currentRequestFields(): RequestLogFields | undefined {
  return requestFields.getStore();
}

/** One JSON line per event on stderr; `silent` for tests and CLI commands that print results. */
export function createLogger(level: 'silent' | 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (severity: string, message: string, fields?: Record<string, unknown>) => {
    if (level === 'silent') return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: severity, message: redactLogText(message), ...requestFields.getStore(), ...(redact(fields ?? {}) as Record<string, unknown>) })}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
