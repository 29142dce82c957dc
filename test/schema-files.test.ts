import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/schema.js';
import { dbKind } from './helpers/hub.js';

// Files, not databases: once per run is enough.
describe.skipIf(dbKind !== 'pglite')('schema and migrations are committed files', () => {
  it('schema/schema.graphql is what the code builds', async () => {
    const committed = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(await printedSchema(), 'run `npm run schema:print` and commit schema/schema.graphql').toBe(committed);
  });

  it('generating migrations again yields nothing new', () => {
    const output = execFileSync(process.execPath, ['scripts/check-migrations.mjs'], { encoding: 'utf8' });
    expect(output).toContain('migrations/ matches the tables');
  });
});
