import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '@graphql-codegen/cli';
import ts from 'typescript';

/**
 * GraphQL Code Generator (typescript + typescript-operations) against schema/schema.graphql, as
 * a client project would run it; then its output must type-check together with code that uses
 * the generated types the way an application does.
 */
const dir = mkdtempSync(join(tmpdir(), 'gridhub-codegen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPERATIONS = `
query Alerts($first: Int, $after: String, $filter: AlertFilter) {
  alerts(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id type severity status occurredAt location { lat lng } unit { code name tier } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
query Node($id: ID!) {
  node(id: $id) { id ... on Case { number state } ... on Device { name status } }
}
mutation IngestAlerts($input: IngestAlertsInput!) {
  ingestAlerts(input: $input) { accepted duplicates rejected results { index externalId status recordId error { code field message } } }
}
subscription AlertRaised($filter: AlertFilter) {
  alertRaised(filter: $filter) { id type severity }
}
`;

const USE = `
import type { AlertsQuery, IngestAlertsMutation, IngestAlertsMutationVariables, NodeQuery, RecordStatus, AlertRaisedSubscription } from './types.js';

export function firstId(data: AlertsQuery): string | undefined {
  return data.alerts.edges[0]?.node.id;
}
export function statuses(data: IngestAlertsMutation): RecordStatus[] {
  return data.ingestAlerts.results.map((r) => r.status);
}
export function caseNumber(data: NodeQuery): string | null {
  return data.node?.__typename === 'Case' ? data.node.number : null;
}
export const variables: IngestAlertsMutationVariables = {
  input: { source: 'x', records: [{ externalId: 'a', type: 'SMOKE', severity: 'LOW', occurredAt: '2026-01-01T00:00:00Z', unitCode: '1' }] },
};
export const severity = (s: AlertRaisedSubscription): string => s.alertRaised.severity;
`;

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('GraphQL Code Generator', () => {
  it('generates TypeScript types for operations against schema/schema.graphql that type-check', async () => {
    writeFileSync(join(dir, 'operations.graphql'), OPERATIONS);
    // typescript-operations 6 emits the enums and inputs its operations use, so the schema's own types go in a file of their own.
    const config = { enumsAsTypes: true, nonOptionalTypename: true };
    const outputs = await generate(
      {
        schema: resolve('schema/schema.graphql'),
        documents: join(dir, 'operations.graphql'),
        generates: {
          [join(dir, 'schema-types.ts')]: { plugins: ['typescript'], config },
          [join(dir, 'types.ts')]: { plugins: ['typescript-operations'], config },
        },
        silent: true,
      },
      false,
    );
    const output = outputs.find((o: { filename: string }) => o.filename.endsWith('/types.ts'));
    const schemaTypes = outputs.find((o: { filename: string }) => o.filename.endsWith('schema-types.ts'));
    expect(schemaTypes?.content).toContain('export type Query');
    writeFileSync(join(dir, 'schema-types.ts'), schemaTypes!.content);
    expect(output?.content).toContain('export type AlertsQuery');
    expect(output?.content).toContain('recordId');
    writeFileSync(join(dir, 'types.ts'), output!.content);
    writeFileSync(join(dir, 'use.ts'), USE);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    expect(typeErrors([join(dir, 'schema-types.ts'), join(dir, 'types.ts'), join(dir, 'use.ts')])).toEqual([]);
    // The check can fail: a field the generated type lacks is an error.
    writeFileSync(join(dir, 'wrong.ts'), `import type { AlertsQuery } from './types.js';\nexport const x = (d: AlertsQuery) => d.alerts.edges[0]?.node.recordId;\n`);
    expect(typeErrors([join(dir, 'types.ts'), join(dir, 'wrong.ts')]).join('\n')).toMatch(/recordId/);
  }, 60_000);
});
