import { createHash } from 'node:crypto';
import type { AuditOutcomeName } from './audit.table.js';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Every column of an entry that its hash covers (all but `hash` itself). */
export interface ChainedEntry {
  seq: number;
  at: Date;
  actor: string;
  actorKind: string;
  unitCode: string | null;
  unitPath: string | null;
  operation: string;
  outcome: AuditOutcomeName;
  kind: string | null;
  recordIds: string[];
  fields: string[];
  purpose: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

/**
 * JSON with object keys sorted at every depth: the same value gives the same text whatever
 * order jsonb hands the keys back in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The canonical form of an entry: a JSON array in a fixed column order. */
export function canonicalEntry(entry: ChainedEntry): string {
  return canonicalJson([
    entry.seq,
    entry.at.toISOString(),
    entry.actor,
    entry.actorKind,
    entry.unitCode,
    entry.unitPath,
    entry.operation,
    entry.outcome,
    entry.kind,
    entry.recordIds,
    entry.fields,
    entry.purpose,
    entry.details,
  ]);
}

/** SHA-256 over the previous entry's hash and this entry's canonical form. */
export function entryHash(entry: ChainedEntry): string {
  return createHash('sha256').update(entry.prevHash).update('\n').update(canonicalEntry(entry)).digest('hex');
}
