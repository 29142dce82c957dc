import { and, eq } from 'drizzle-orm';
import { anyText } from '../../platform/db/any.js';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/principal.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { unitsByCodes, type UnitRow } from '../units/index.js';
import { audit, type AuditDraft } from '../audit/index.js';
import { buildReport, checkBatchSize, checkSource, markRepeats, placementVerdict, rejection, type Verdict } from './ingest.batch.js';
import { RecordErrorCode, RecordStatus, type IngestReport } from './ingest.type.js';
import { countIngested } from './ingest.metrics.js';

/**
 * Terminology
 * - kind: one ingestable record kind (alerts, device registrations, heartbeats, resident
 *   requests, cases, patrol reports); an `IngestKind` says what differs, `runIngestBatch` does
 *   what is the same.
 * - judge: decide every record's verdict before anything is written, from lookups made once a
 *   batch (never once a record) and checks in memory.
 * - write: store the pending records inside the batch's transaction and say which were written
 *   now; what is not written now was stored before (DUPLICATE) or, for kinds whose records
 *   change, changed now (UPDATED).
 */

/** The CASL subjects records are ingested as (also the audit entries' kind). */
export type IngestSubject = 'Alert' | 'Device' | 'ResidentRequest' | 'Case' | 'PatrolReport';

export interface IngestBatchInput<R> {
  source: string;
  records: readonly R[];
  atomic: boolean;
}

/** One batch as a kind sees it, once the caller's right to ingest, the size and the source are checked. */
export interface IngestBatch<R> {
  ctx: RequestContext;
  subject: IngestSubject;
  principal: Principal;
  now: Date;
  source: string;
  records: readonly R[];
  externalIds: readonly string[];
}

/** What a kind's write did, keyed by externalId (unique among the pending records). */
export interface Written {
  /** Records stored now as new ones, and their ids. */
  inserted: ReadonlyMap<string, string>;
  /** Kinds whose records change: existing records changed now, and their ids. */
  updated?: ReadonlyMap<string, string>;
  /** Records not written now whose ids the kind already knows (heartbeats: the devices). */
  known?: ReadonlyMap<string, string>;
  /** Entries that commit with the batch, before its own (the cases the alert rules opened). */
  audit?: readonly AuditDraft[];
  /** More details for the batch's audit entry. */
  details?: Record<string, unknown>;
}

/** A table whose rows carry `(source, externalId)`: where records stored before are found. */
export interface StoredTable {
  table: PgTable;
  id: AnyPgColumn;
  source: AnyPgColumn;
  externalId: AnyPgColumn;
}

export interface IngestKind<R extends { externalId: string }, J> {
  /** The mutation; the operation of its audit entries. */
  operation: string;
  subject: IngestSubject;
  /** Records of this kind change (devices): UPDATED is reported, and `updated` counted in the audit entry. */
  changes?: boolean;
  /** Every record's verdict (a rejection, or pending), and what the lookups found that the write needs. */
  judge(batch: IngestBatch<R>): Promise<J & { verdicts: Verdict[] }>;
  /** Marks the records another one supersedes (default `markRepeats`: the first of an externalId stands). */
  supersede?(batch: IngestBatch<R>, verdicts: Verdict[]): void;
  /** Where a pending record that was not written now is found, under the batch's source. */
  stored?: StoredTable;
  /** Stores the pending records (indexes into `records`) inside the batch's transaction. */
  write(tx: Executor, batch: IngestBatch<R>, pending: readonly number[], judged: J): Promise<Written>;
}

/**
 * One ingest mutation, on the contract every kind shares: at most MAX_BATCH records, a source
 * of the caller's own, a verdict per record, repeats within the batch reported DUPLICATE,
 * `atomic` (any rejection: nothing written, the valid records SKIPPED), one transaction for
 * the write, the lookup of what was stored before and the audit entries (the batch's own, a
 * DENIED one naming the records refused for jurisdiction or domain, and any the kind adds:
 * all appended at once, last, so the audit chain's lock is held briefly), and a result per
 * record in the order sent.
 */
export async function runIngestBatch<R extends { externalId: string }, J>(
  ctx: RequestContext,
  input: IngestBatchInput<R>,
  kind: IngestKind<R, J>,
): Promise<IngestReport> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'ingest', kind.subject);
  checkBatchSize(input.records.length);
  checkSource(principal, input.source);

  const records = input.records;
  const externalIds = records.map((r) => r.externalId);
  const batch: IngestBatch<R> = { ctx, subject: kind.subject, principal, now: ctx.hub.clock.now(), source: input.source, records, externalIds };
  const judged = await kind.judge(batch);
  const verdicts = judged.verdicts;
  if (kind.supersede) kind.supersede(batch, verdicts);
  else markRepeats(externalIds, verdicts);

  const entry = (written: Partial<Written>, aborted: boolean): AuditDraft[] => [
    ...(written.audit ?? []),
    batchDraft(kind, input.source, verdicts, written, aborted),
    ...deniedDraft(kind, externalIds, verdicts),
  ];
  if (input.atomic && verdicts.some((v) => v.status === RecordStatus.REJECTED)) {
    await audit(ctx, ctx.db, ...entry({}, true));
    return countIngested(ctx.hub, kind.subject, buildReport(externalIds, verdicts, 'aborted'));
  }
  const pending = verdicts.flatMap((v, index) => (v.status === 'pending' ? [index] : []));
  if (pending.length === 0) {
    await audit(ctx, ctx.db, ...entry({}, false));
    return countIngested(ctx.hub, kind.subject, buildReport(externalIds, verdicts, { ids: new Map(), inserted: new Set() }));
  }

  const outcome = await ctx.db.transaction(async (tx) => {
    const written = await kind.write(tx, batch, pending, judged);
    const before = await storedBefore(tx, kind.stored, input.source, pending, externalIds, written);
    await audit(ctx, tx, ...entry(written, false));
    const ids = new Map<number, string>();
    const inserted = new Set<number>();
    const updated = new Set<number>();
    for (const index of pending) {
      const externalId = externalIds[index]!;
      const insertedId = written.inserted.get(externalId);
      const updatedId = written.updated?.get(externalId);
      const id = insertedId ?? updatedId ?? written.known?.get(externalId) ?? before.get(externalId);
      if (id) ids.set(index, id);
      if (insertedId) inserted.add(index);
      else if (updatedId) updated.add(index);
    }
    return { ids, inserted, updated };
  });
  return countIngested(ctx.hub, kind.subject, buildReport(externalIds, verdicts, outcome));
}

/** The ids of pending records the write neither stored nor changed nor knew: stored before, under the same source. */
async function storedBefore(
  tx: Executor,
  stored: StoredTable | undefined,
  source: string,
  pending: readonly number[],
  externalIds: readonly string[],
  written: Written,
): Promise<Map<string, string>> {
  if (!stored) return new Map();
  const missing = pending.map((i) => externalIds[i]!).filter((e) => !written.inserted.has(e) && !written.updated?.has(e) && !written.known?.has(e));
  if (missing.length === 0) return new Map();
  const rows = (await tx
    .select({ id: stored.id, externalId: stored.externalId })
    .from(stored.table)
    .where(and(eq(stored.source, source), anyText(stored.externalId, missing)))) as { id: string; externalId: string }[];
  return new Map(rows.map((r) => [r.externalId, r.id]));
}

type AuditedKind = Pick<IngestKind<never, unknown>, 'operation' | 'subject' | 'changes'>;

/** The batch's own audit entry: what it wrote, and how many records were refused and why. */
function batchDraft(kind: AuditedKind, source: string, verdicts: readonly Verdict[], written: Partial<Written>, aborted: boolean): AuditDraft {
  const rejected: Record<string, number> = {};
  for (const verdict of verdicts) if (verdict.status === RecordStatus.REJECTED) rejected[verdict.error.code] = (rejected[verdict.error.code] ?? 0) + 1;
  const insertedIds = [...(written.inserted?.values() ?? [])];
  const updatedIds = [...(written.updated?.values() ?? [])];
  return {
    operation: kind.operation,
    kind: kind.subject,
    recordIds: [...insertedIds, ...updatedIds],
    details: {
      source,
      records: verdicts.length,
      inserted: insertedIds.length,
      ...(kind.changes ? { updated: updatedIds.length } : {}),
      rejected,
      aborted,
      ...written.details,
    },
  };
}

/** Records refused for jurisdiction or domain are denied attempts: one DENIED entry naming them. */
function deniedDraft(kind: AuditedKind, externalIds: readonly string[], verdicts: readonly Verdict[]): AuditDraft[] {
  const refused = verdicts.flatMap((verdict, index) =>
    verdict.status === RecordStatus.REJECTED && (verdict.error.code === RecordErrorCode.OUT_OF_JURISDICTION || verdict.error.code === RecordErrorCode.OUT_OF_DOMAIN)
      ? [{ externalId: externalIds[index], code: verdict.error.code }]
      : [],
  );
  return refused.length ? [{ operation: kind.operation, outcome: 'DENIED', kind: kind.subject, details: { refused: refused.slice(0, 100), count: refused.length } }] : [];
}

/** A record placed at a retired unit: REJECTED RETIRED_UNIT, naming where its records went. */
export function retiredRejection(unit: UnitRow, field: string): Verdict {
  return rejection(RecordErrorCode.RETIRED_UNIT, field, `Unit ${unit.code} (${unit.name}) was retired${unit.successorCode ? `; use its successor ${unit.successorCode}` : ''}`);
}

/** How a kind's records name their unit and type, and which input fields the rejections name. */
export interface Placing<R> {
  unitCode(record: R): string;
  type(record: R): string;
  /** The input field naming the unit (default unitCode). */
  unitField?: string;
  /** The input field named when the type is outside the department's domain (default type). */
  typeField?: string;
  /** Checks of the record's own fields, before its unit is looked at. */
  check(record: R): Verdict | undefined;
  /** Checks of the unit found (its tier), before jurisdiction and domain. */
  checkUnit?(record: R, unit: UnitRow): Verdict | undefined;
}

/**
 * The verdicts of kinds placed by a unit code in each record: one query for the batch's units,
 * then per record its own checks, its unit, and jurisdiction and domain (the ability asked once
 * per unit and type, not once per record). Also returns the units found, for the write.
 */
export async function judgePlaced<R>(batch: IngestBatch<R>, placing: Placing<R>): Promise<{ verdicts: Verdict[]; units: Map<string, UnitRow> }> {
  const { ctx, subject, principal, records } = batch;
  const unitField = placing.unitField ?? 'unitCode';
  const typeField = placing.typeField ?? 'type';
  const units = await unitsByCodes(ctx.db, [...new Set(records.map(placing.unitCode))]);
  const placements = new Map<string, Verdict>();
  const verdicts = records.map((record): Verdict => {
    const invalid = placing.check(record);
    if (invalid) return invalid;
    const code = placing.unitCode(record);
    const unit = units.get(code);
    if (!unit) return rejection(RecordErrorCode.UNKNOWN_UNIT, unitField, `No unit has code ${code}`);
    if (unit.retiredAt) return retiredRejection(unit, unitField);
    const misplaced = placing.checkUnit?.(record, unit);
    if (misplaced) return misplaced;
    const type = placing.type(record);
    const key = `${unit.path} ${type}`;
    let verdict = placements.get(key);
    if (!verdict) {
      verdict = placementVerdict(ctx.ability, principal, subject, { unitPath: unit.path, type });
      if (verdict.status === RecordStatus.REJECTED && verdict.error.field !== null) {
        const field = verdict.error.field === 'unitCode' ? unitField : typeField;
        if (field !== verdict.error.field) verdict = rejection(verdict.error.code, field, verdict.error.message);
      }
      placements.set(key, verdict);
    }
    return verdict;
  });
  return { verdicts, units };
}
