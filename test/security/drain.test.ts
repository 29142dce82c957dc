import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind, freshDatabase } from '../helpers/hub.js';
import { killHubProcesses, startHubProcess } from '../helpers/hub-process.js';
import { TEST_JWT_SECRET } from '../helpers/template.js';
import { signToken } from '../../src/platform/auth/jwt.js';

/**
 * Graceful drain, on `gridhub serve` as a process: SIGTERM while a ~10 MB response is on its way
 * (the client not reading it for a while, so most of it waits in the socket) lets it finish in
 * full; a request during the drain gets 503 with Retry-After; the process then exits 0. The
 * attack on a demo hub saw a 12 MB response cut at 8.9 MB and a request during the drain hang.
 */

afterAll(killHubProcesses);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ALIASES = 200;
const GRACE_SECONDS = 60;
const PAGE = 'edges { node { id externalId source type severity status occurredAt payload unit { code name path } } }';
const BIG_QUERY = `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: alerts(first: 100) { ${PAGE} }`).join(' ')} }`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** POSTs a query; `onResponse` runs once the headers are in, before the body is read (it may hold the reading). */
function post(url: string, token: string, query: string, onResponse: () => Promise<void> = async () => {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token } }, (res) => {
      res.pause();
      const chunks: Buffer[] = [];
      onResponse().then(() => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.resume();
      }, reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe.runIf(dbKind === 'postgres')('SIGTERM drains gridhub serve', () => {
  it('a 10 MB response in flight completes in full; a request meanwhile gets 503 with Retry-After; the process exits 0', async () => {
    const fresh = await freshDatabase();
    try {
      const hub = await startHubProcess({
        DATABASE_URL: fresh.url!,
        SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
        // One request of 200 full pages: past the default limits on purpose.
        MAX_ALIASES: '1000',
        MAX_ROOT_FIELDS: '1000',
        MAX_QUERY_COST: '100000000',
        MAX_QUERY_TOKENS: '1000000',
        COST_BUDGET_PER_MINUTE: '1000000000',
        REQUEST_TIMEOUT_SECONDS: '300',
      });
      const token = `Bearer ${await signToken(TEST_JWT_SECRET, 'city.admin', 600)}`;
      let duringDrain: Answer | undefined;
      let termAt = 0;
      const big = await post(hub.url, token, BIG_QUERY, async () => {
        termAt = Date.now();
        hub.child.kill('SIGTERM');
        // The client holds its reading: the rest of the response waits in the socket's buffers.
        await sleep(1500);
        duringDrain = await post(hub.url, token, '{ alerts(first: 1) { totalCount } }');
        await sleep(500);
      });
      const code = await hub.exited;
      const exitedAfter = Date.now() - termAt;

      expect(big.status).toBe(200);
      expect(big.body.length).toBe(Number(big.headers['content-length']));
      expect(big.body.length).toBeGreaterThan(5_000_000);
      const parsed = JSON.parse(big.body.toString('utf8')) as { data: Record<string, { edges: unknown[] }>; errors?: unknown };
      expect(parsed.errors).toBeUndefined();
      expect(Object.keys(parsed.data)).toHaveLength(ALIASES);
      for (const page of Object.values(parsed.data)) expect(page.edges).toHaveLength(100);

      expect(duringDrain?.status).toBe(503);
      expect(duringDrain?.headers['retry-after']).toBe('5');
      expect(JSON.parse(duringDrain!.body.toString('utf8'))).toEqual({
        errors: [{ message: 'The hub is shutting down; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } }],
      });

      expect(code).toBe(0);
      expect(exitedAfter).toBeLessThan((GRACE_SECONDS + 15) * 1000);
    } finally {
      killHubProcesses();
      await fresh.drop();
    }
  }, 300_000);
});
