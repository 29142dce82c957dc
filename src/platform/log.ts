import type { Logger } from './context.js';

/** One JSON line per event on stderr; `silent` for tests and CLI commands that print results. */
export function createLogger(level: 'silent' | 'info'): Logger {
  const write = (severity: string, message: string, fields?: Record<string, unknown>) => {
    if (level === 'silent') return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: severity, message, ...fields })}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
