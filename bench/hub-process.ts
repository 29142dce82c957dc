/**
 * The hub under a benchmark: `node bin/gridhub.js serve` in a process of its own, as it runs in
 * production, with the settings every benchmark needs. The device and case sweepers and the
 * report schedule are off: they are not what is measured, and on a bench database (stale
 * heartbeats, old cases) they would write alerts and escalations nobody counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface HubProcess {
  /** http://host:port, without `/graphql`. */
  url: string;
  child: ChildProcess;
  /** SIGTERM, then resolves once the process has exited. */
  close(): Promise<void>;
}

export interface HubProcessOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** Default 0: a free port. */
  port?: number;
  /** Flags for the hub's node (`--cpu-prof`, …). */
  nodeArgs?: readonly string[];
  /** The checkout to run the hub from (to compare old and new code); default this one. */
  cwd?: string;
  /** More environment for the hub. */
  env?: Record<string, string>;
  /** The node binary to run it with (to compare Node versions); default this process's. */
  node?: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The hub's settings under every benchmark (LOG_LEVEL info: the hub logs no request at info). */
export function benchHubEnv(databaseUrl: string, jwtSecret: string, port = 0): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    DEVICE_SWEEP_SECONDS: '0',
    CASE_SWEEP_SECONDS: '0',
    REPORT_SCHEDULE_SECONDS: '0',
    // The cost budget is checked as always, but set past what a benchmark spends (the default,
    // 20,000 a minute, refuses a principal after a few seconds of load: the bench measures speed).
    COST_BUDGET_PER_MINUTE: '1000000000',
  };
}

/** Starts the hub; resolves once it listens (its start-up banner names the GraphQL URL). */
export function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), 'bin/gridhub.js', 'serve'], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...benchHubEnv(options.databaseUrl, options.jwtSecret, options.port), ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return awaitBanner(child, /GraphQL\s+(http:\/\/\S+?)\/graphql/, 'the hub').then(({ match, close }) => ({ url: match[1]!, child, close }));
}

/**
 * Resolves once `child` prints a line matching `banner` on stdout (then lets the rest of its
 * output drain unread), with a `close` that SIGTERMs it and waits for its exit; rejects if it
 * exits first.
 */
export function awaitBanner(child: ChildProcess, banner: RegExp, label: string): Promise<{ match: RegExpExecArray; close: () => Promise<void> }> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = banner.exec(out);
      if (!match) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve({ match, close: () => (child.kill('SIGTERM'), exited) });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}: ${out}`)));
  });
}
