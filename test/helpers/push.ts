import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';

/** `gridhub push …` and `gridhub serve` as processes, the way an adapter's operator runs them. */
export const BIN = join(process.cwd(), 'bin/gridhub.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one's, without the hub's and push's own variables unless given. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...extra };
  for (const key of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'DATA_DIR', 'GRIDHUB_URL', 'GRIDHUB_TOKEN', 'GRIDHUB_API_KEY'] as const) {
    if (!(key in extra)) delete env[key];
  }
  return env;
}

/** Starts `gridhub push …`; `done` resolves when it exits. */
export function startPush(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'push', ...args], { env: childEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function runPush(args: string[], env: Record<string, string>): Promise<Run> {
  return startPush(args, env).done;
}

/** Starts `gridhub serve` and resolves with its GraphQL URL once the banner is out. */
export function serveHub(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: childEnv(env) });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(out);
      if (match && out.includes('GraphiQL')) resolve({ child, url: match[1]!, exited });
    });
    child.stderr!.on('data', (d) => (err += d));
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

/** A scratch folder under .tmp/ (git-ignored). */
export function scratchDir(prefix: string): string {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  return mkdtempSync(join(process.cwd(), '.tmp', `${prefix}-`));
}

/** Writes `count` lines made by `line(i)`, streaming (files of millions of lines). */
export async function writeLines(path: string, count: number, line: (i: number) => string, header?: string): Promise<void> {
  const out = createWriteStream(path);
  if (header !== undefined) out.write(`${header}\n`);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${line(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export function readNdjson<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Chongchuan's communities and grids in the demo data, for generated records. */
export function demoUnitCodes(): string[] {
  const streets = ['320613001', '320613002', '320613003', '320613004', '320613005', '320613006', '320613007', '320613008'];
  const codes: string[] = [];
  for (const street of streets) {
    for (let c = 1; c <= 5; c++) {
      const community = `${street}${String(c).padStart(3, '0')}`;
      codes.push(community, `${community}001`, `${community}002`, `${community}003`);
    }
  }
  return codes;
}

/**
 * Terminology
 * - the proxy: a tiny HTTP server between push and the hub. For each request it asks `decide`
 *   (with the request's number, from 1, and its body): `forward` passes it on; `fail` answers
 *   with that status and body without reaching the hub; `drop-answer` reaches the hub but cuts
 *   the connection before the answer (the batch is stored, its acknowledgement lost).
 */
export type ProxyDecision = { kind: 'forward' } | { kind: 'fail'; status: number; body: unknown } | { kind: 'drop-answer' };

export interface Proxy {
  url: string;
  /** Bodies of the requests seen, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startProxy(target: string, decide: (n: number, body: string) => ProxyDecision): Promise<Proxy> {
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push(body);
      const decision = decide(requests.length, body);
      if (decision.kind === 'fail') {
        res.writeHead(decision.status, { 'content-type': 'application/json' }).end(JSON.stringify(decision.body));
        return;
      }
      void fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' }, body }).then(
        async (answer) => {
          const text = await answer.text();
          if (decision.kind === 'drop-answer') {
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
        },
        () => req.socket.destroy(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
