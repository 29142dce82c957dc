import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, dbKind, type TestHub } from '../helpers/hub.js';
import { readNdjson, runPush, scratchDir } from '../helpers/push.js';

/**
 * `gridhub push --kind cases` (a 12345 hotline export) and `--kind patrols` (a grid-management
 * system's export): the example files go in, a record the hub rejects goes to the rejects file
 * with its line and error, a record that cannot be sent at all is rejected locally. PGlite
 * only, like push.test.ts (each run starts a process).
 */
let hub: TestHub;
let dir: string;
beforeAll(async () => {
  if (dbKind !== 'pglite') return;
  hub = await createTestHub();
  dir = scratchDir('push-cases');
});
afterAll(async () => {
  await hub?.close();
});

describe.skipIf(dbKind !== 'pglite')('gridhub push: cases and patrols', { timeout: 240_000 }, () => {
  it('--kind cases pushes examples/cases-12345.ndjson', async () => {
    const file = join(dir, 'cases.ndjson');
    copyFileSync('examples/cases-12345.ndjson', file);
    const run = await runPush(['--kind', 'cases', '--file', file, '--url', hub.url, '--progress', 'none'], { GRIDHUB_TOKEN: await hub.token('12345-hotline') });
    expect(run.code).toBe(0);
    expect(readNdjson(`${file}.rejects.ndjson`)).toEqual([
      expect.objectContaining({ line: 4, error: expect.objectContaining({ code: 'INVALID_INPUT', field: 'category' }) }),
    ]);
    const { body } = await hub.gql<{ cases: { edges: { node: { origin: { externalId: string } } }[] } }>(
      'query($from: DateTime) { cases(filter: { origins: [EXTERNAL], from: $from }, first: 10) { edges { node { origin { externalId } } } } }',
      { from: new Date(Date.now() - 600_000).toISOString() },
      { as: 'city.admin' },
    );
    const pushed = body.data!.cases.edges.map((e) => e.node.origin.externalId).filter((id) => id.startsWith('12345-2026112'));
    expect(pushed.sort()).toEqual(['12345-20261120-0001', '12345-20261120-0002', '12345-20261121-0003']);
  });

  it('--kind patrols pushes examples/patrols.ndjson', async () => {
    const file = join(dir, 'patrols.ndjson');
    copyFileSync('examples/patrols.ndjson', file);
    const run = await runPush(['--kind', 'patrols', '--file', file, '--url', hub.url, '--progress', 'none'], { GRIDHUB_TOKEN: await hub.token('grid-app') });
    expect(run.code).toBe(0);
    expect(readNdjson(`${file}.rejects.ndjson`)).toEqual([
      expect.objectContaining({ line: 3, error: expect.objectContaining({ code: 'INVALID_FIELD', field: 'findings.0.photoUrls.0' }) }),
    ]);
    const { body } = await hub.gql<{ patrolReports: { edges: { node: { externalId: string; findings: { description: string }[] } }[] } }>(
      '{ patrolReports(filter: { filedBy: "互敬网格网格员" }) { edges { node { externalId findings { description } } } } }',
      {},
      { as: 'xuetian.officer' },
    );
    expect(body.data!.patrolReports.edges.map((e) => e.node)).toEqual([
      { externalId: 'grid-app-20261120-001', findings: [{ description: '7幢一单元楼道堆放纸箱' }, { description: '东门外占道经营' }] },
    ]);
  });
});
