import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** relay-compiler (the Relay client's build step) against the committed schema/schema.graphql. */
const root = mkdtempSync(join(tmpdir(), 'gridhub-relay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FRAGMENTS = `
import { graphql } from 'relay-runtime';

export const alertList = graphql\`
  fragment AlertList_query on Query
  @refetchable(queryName: "AlertListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }) {
    alerts(first: $first, after: $after) @connection(key: "AlertList_alerts") {
      edges { node { id severity ...AlertItem_alert } }
    }
  }
\`;

export const alertListBackward = graphql\`
  fragment AlertHistory_query on Query
  @refetchable(queryName: "AlertHistoryPaginationQuery")
  @argumentDefinitions(last: { type: "Int", defaultValue: 20 }, before: { type: "String" }) {
    cases(last: $last, before: $before) @connection(key: "AlertHistory_cases") {
      edges { node { id state } }
    }
  }
\`;

export const alertItem = graphql\`
  fragment AlertItem_alert on Alert @refetchable(queryName: "AlertItemRefetchQuery") {
    id
    type
    unit { id name }
  }
\`;
`;

function compile(fragments: string): { status: number; output: string } {
  const src = join(root, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'fragments.ts'), fragments);
  writeFileSync(join(root, 'relay.config.json'), JSON.stringify({ src: './src', schema: resolve('schema/schema.graphql'), language: 'typescript' }));
  try {
    const output = execFileSync(resolve('node_modules/.bin/relay-compiler'), [], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, output };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

describe('relay-compiler', () => {
  it('compiles fragments with @connection (both ways) and @refetchable against the schema', () => {
    const { status, output } = compile(FRAGMENTS);
    expect({ status, output }).toMatchObject({ status: 0 });
    const generated = readdirSync(join(root, 'src', '__generated__')).sort();
    expect(generated).toEqual(
      expect.arrayContaining(['AlertItemRefetchQuery.graphql.ts', 'AlertItem_alert.graphql.ts', 'AlertListPaginationQuery.graphql.ts', 'AlertList_query.graphql.ts', 'AlertHistoryPaginationQuery.graphql.ts']),
    );
    // The refetch query of a type goes through node(id:).
    expect(readFileSync(join(root, 'src', '__generated__', 'AlertItemRefetchQuery.graphql.ts'), 'utf8')).toMatch(/node\(id: \$id\)/);
  }, 60_000);

  it('still refuses what the schema does not allow (the check can fail)', () => {
    const { status, output } = compile(FRAGMENTS.replace('severity ...AlertItem_alert', 'noSuchField'));
    expect(status).not.toBe(0);
    expect(output).toMatch(/noSuchField/);
  }, 60_000);
});
