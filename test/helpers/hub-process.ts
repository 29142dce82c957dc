import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET } from './template.js';

/** A hub as a real process (`node bin/gridhub.js serve`), as an operator runs it. */
export interface HubProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  /** Its port on 127.0.0.1. */
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

const BIN = fileURLToPath(new URL('../../bin/gridhub.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started: ChildProcess[] = [];

/** Runs a `gridhub` command on `databaseUrl` with the test signing key; throws with its output if it fails. */
export function gridhubCli(args: string[], databaseUrl: string): void {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`gridhub ${args.join(' ')}: ${result.stdout}${result.stderr}`);
}

/** Waits until `condition` holds, asking every `stepMs`; returns when it held (ms since the epoch). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 50): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
  return Date.now();
}

/** SIGKILLs every hub process still running (for afterAll). */
export function killHubProcesses(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts `gridhub serve` with the test signing key on a free port and waits for its banner. */
export async function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Generous: a loaded machine compiles the TypeScript slowly on a cold start.
  const deadline = Date.now() + 120_000;
  const banner = /GraphQL\s+(http:\/\/[^/\s]+)\/graphql/;
  while (!banner.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hub did not start: ${out}`);
    await sleep(50);
  }
  const url = banner.exec(out)![1]!;
  return { child, url, wsUrl: `${url.replace('http:', 'ws:')}/graphql`, port: Number(new URL(url).port), output: () => out, exited };
}
