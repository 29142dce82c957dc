import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../src/platform/db/database.js';
import type { GqlOptions, TestHub } from '../helpers/hub.js';

/** What the API returns for an audit entry. */
export interface Entry {
  seq: number;
  at: string;
  actor: string;
  actorKind: string;
  unitCode: string | null;
  operation: string;
  outcome: 'ALLOWED' | 'DENIED';
  kind: string | null;
  recordIds: string[];
  fields: string[];
  purpose: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const ENTRY = 'seq at actor actorKind unitCode operation outcome kind recordIds fields purpose details prevHash hash';
export const HASH = /^[0-9a-f]{64}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const AUDIT_LOG = /* GraphQL */ `
  query Log($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { ${ENTRY} } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface LogPage {
  totalCount: number;
  nodes: Entry[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export async function logPage(hub: TestHub, options: GqlOptions, filter: Record<string, unknown> = {}, first = 100, after?: string): Promise<LogPage> {
  const { body } = await hub.gql<{ auditLog: { totalCount: number; edges: { cursor: string; node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    AUDIT_LOG,
    { filter, first, ...(after ? { after } : {}) },
    options,
  );
  expect(body.errors).toBeUndefined();
  const log = body.data!.auditLog;
  return { totalCount: log.totalCount, nodes: log.edges.map((e) => e.node), cursors: log.edges.map((e) => e.cursor), ...log.pageInfo };
}

/** Every entry the principal may read, newest first, paging through with `first: 100`. */
export async function wholeLog(hub: TestHub, as: string, filter: Record<string, unknown> = {}): Promise<{ totalCount: number; nodes: Entry[] }> {
  const nodes: Entry[] = [];
  let after: string | undefined;
  let totalCount = 0;
  for (;;) {
    const page = await logPage(hub, { as }, filter, 100, after);
    totalCount = page.totalCount;
    nodes.push(...page.nodes);
    if (!page.hasNextPage) break;
    after = page.endCursor!;
  }
  return { totalCount, nodes };
}

/** The seq of the newest entry (0 for an empty log), read as the city auditor. */
export async function headSeq(hub: TestHub): Promise<number> {
  return (await logPage(hub, { as: 'city.auditor' }, {}, 1)).nodes[0]?.seq ?? 0;
}

/** Entries after `seq`, oldest first. */
export async function entriesAfter(hub: TestHub, seq: number): Promise<Entry[]> {
  const { nodes } = await wholeLog(hub, 'city.auditor');
  return nodes.filter((e) => e.seq > seq).reverse();
}

/** Runs SQL as the test database's superuser; rows on both drivers. */
export async function run(db: Db, text: string): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(sql.raw(text))) as unknown;
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : ((result as { rows: Record<string, unknown>[] }).rows ?? []);
}

/** An entry as a test expects it: the chain fields checked for shape, the rest given. */
export function entry(fields: Partial<Entry>): Record<string, unknown> {
  return {
    seq: expect.any(Number),
    at: expect.any(String),
    unitCode: null,
    kind: null,
    recordIds: [],
    fields: [],
    purpose: null,
    details: {},
    outcome: 'ALLOWED',
    prevHash: expect.stringMatching(HASH),
    hash: expect.stringMatching(HASH),
    ...fields,
  };
}

/** Consecutive seqs, each entry linked to the one before it. */
export function expectLinked(entries: Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    expect(entries[i]!.seq).toBe(entries[i - 1]!.seq + 1);
    expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
  }
}
