import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbKind } from '../helpers/hub.js';
import { demoUnitCodes, scratchDir, startPush, writeLines } from '../helpers/push.js';

/**
 * `gridhub push` keeps its memory flat however long the file: it reads as it sends, with at
 * most `--concurrency` batches in flight. The subject is the client, so the other end is a
 * stand-in that answers every record ACCEPTED at once (the real hub's answers are covered by
 * push.test.ts); it runs once, in the PGlite project, since no database is involved.
 *
 * The push process's RSS is sampled from /proc while it works through 300,000 lines; the
 * samples of the last quarter must not stand above those of the second quarter (after start-up)
 * by more than GC noise.
 */
const LINES = 300_000;
let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rssKb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.skipIf(dbKind !== 'pglite' || process.platform !== 'linux')('gridhub push memory', () => {
  it(`stays flat over ${LINES.toLocaleString('en-US')} lines`, { timeout: 300_000 }, async () => {
    dir = scratchDir('memory');
    const file = join(dir, 'big.ndjson');
    const units = demoUnitCodes();
    const t0 = Date.now() - 86_400_000;
    await writeLines(file, LINES, (i) =>
      JSON.stringify({
        externalId: `big-${i}`,
        type: 'SMOKE',
        severity: 'HIGH',
        occurredAt: new Date(t0 + i).toISOString(),
        unitCode: units[i % units.length],
        deviceExternalId: `${units[i % units.length]!.slice(0, 12)}-smoke_detector-01`,
        location: { lat: 32.01, lng: 120.86 },
        payload: { smokeDensity: (i % 50) / 10, note: 'generated for the memory check' },
      }),
    );

    let received = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: { input?: { records: unknown[] } } };
        const n = body.variables.input?.records.length ?? 0;
        received += n;
        const data = body.query.includes('ingestAlerts')
          ? { ingestAlerts: { accepted: n, duplicates: 0, rejected: 0, skipped: 0, results: Array.from({ length: n }, () => ({ status: 'ACCEPTED', error: null })) } }
          : { me: { name: 'iot-platform' } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

    const { child, done } = startPush(['--kind', 'alerts', '--file', file, '--url', url, '--progress', 'none'], { GRIDHUB_TOKEN: 'stand-in' });
    const samples: { bytes: number; rss: number }[] = [];
    const statePath = `${file}.push-state.json`;
    const sampler = setInterval(() => {
      const rss = rssKb(child.pid!);
      let bytes = 0;
      try {
        bytes = (JSON.parse(readFileSync(statePath, 'utf8')) as { bytes: number }).bytes;
      } catch {
        return; // not started, or being replaced
      }
      if (rss !== undefined && bytes > 0) samples.push({ bytes, rss });
    }, 50);
    const result = await done;
    clearInterval(sampler);
    server.close();

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[1]).toBe(`  accepted ${LINES.toLocaleString('en-US')}   duplicates 0   rejected 0   skipped 0`);
    expect(received).toBe(LINES);

    // Place the samples by how far into the file they were taken, not by time.
    const size = samples.at(-1)!.bytes;
    const quarter = (k: number) => samples.filter((s) => s.bytes > (size * k) / 4 && s.bytes <= (size * (k + 1)) / 4).map((s) => s.rss);
    const early = quarter(1);
    const late = quarter(3);
    expect(early.length, 'samples in the second quarter').toBeGreaterThan(3);
    expect(late.length, 'samples in the last quarter').toBeGreaterThan(3);
    const [earlyMb, lateMb, peakMb] = [median(early) / 1024, median(late) / 1024, Math.max(...samples.map((s) => s.rss)) / 1024];
    console.info(`push RSS over ${LINES} lines: second quarter ${earlyMb.toFixed(0)} MB, last quarter ${lateMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB (${samples.length} samples)`);
    // Holding the records would add ~1 KB a line, hundreds of MB here; GC noise is tens.
    expect(lateMb).toBeLessThan(earlyMb * 1.25 + 16);
  });
});
