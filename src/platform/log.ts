import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './context.js';

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
    write(`${JSON.stringify({ time: new Date().toISOString(), level: severity, message, ...requestFields.getStore(), ...fields })}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}
