import { pgTable, text, bigint, timestamp, jsonb, index } from 'drizzle-orm/pg-core';

export const AUDIT_OUTCOMES = ['ALLOWED', 'DENIED'] as const;
export type AuditOutcomeName = (typeof AUDIT_OUTCOMES)[number];

/**
 * The append-only, hash-chained audit log. `seq` numbers entries without gaps; `hash` is
 * SHA-256 over `prev_hash` and the entry's canonical form (see audit.chain.ts), so that
 * altering, removing or reordering a row breaks the chain from there on. `unit_path` is where
 * the actor works (a department's jurisdiction for its adapters and data officers): an
 * auditor at U reads the entries within U.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    actor: text('actor').notNull(),
    actorKind: text('actor_kind').notNull(),
    unitCode: text('unit_code'),
    unitPath: text('unit_path'),
    operation: text('operation').notNull(),
    outcome: text('outcome').$type<AuditOutcomeName>().notNull(),
    kind: text('kind'),
    recordIds: text('record_ids').array().notNull(),
    fields: text('fields').array().notNull(),
    purpose: text('purpose'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_unit_path_idx').on(t.unitPath.op('text_pattern_ops'), t.seq.desc()), index('audit_log_at_idx').on(t.at), index('audit_log_record_ids_idx').using('gin', t.recordIds)],
);

export type AuditRow = typeof auditLog.$inferSelect;
