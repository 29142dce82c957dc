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

/** One JSON line per event on stderr, personal values redacted; `silent` for tests and CLI commands that print results. */
export function createLogger(level: 'silent' | 'info'): Logger {
  const write = (severity: string, message: string, fields?: Record<string, unknown>) => {
    if (level === 'silent') return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: severity, message: redactLogText(message), ...(redact(fields ?? {}) as Record<string, unknown>) })}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
