import { and, eq, ne, sql } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { withinPath } from '../../platform/db/path.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { isWithin, TIERS, type Tier } from '../../platform/auth/scope.js';
import { ForbiddenError } from '../../platform/errors.js';
import type { Receipt } from '../../platform/pubsub/bus.js';
import { unitMoves, units, unitsByCodes, type UnitMoveRow, type UnitRow } from '../units/index.js';
import { departments, principals } from '../principals/index.js';
import { audit, type AuditDraft } from '../audit/index.js';
import { buildReport, checkBatchSize, checkSource, checks, markRepeats, rejection, RecordErrorCode, RecordStatus, retiredRejection, type IngestReport, type Verdict } from '../ingest/index.js';
import type { ImportUnitsInput, UnitRecordInput } from './directory.input.js';
import { followMerge, placedTables, rehome } from './directory.rehome.js';

/** Digits of a code at each tier. */
export const CODE_LENGTH: Readonly<Record<Tier, number>> = { CITY: 6, DISTRICT: 6, STREET: 9, COMMUNITY: 12, GRID: 15 };

/** What one accepted record does to the directory, in the order sent. */
type Change =
  | { op: 'insert'; row: UnitRow }
  | { op: 'update'; code: string; name: string; renamed: boolean; move?: { from: string; to: string; parentCode: string } }
  | { op: 'retire'; code: string; name: string; from: string; successor: UnitRow }
  | { op: 'same' };

/** The directory as the batch leaves it, record after record: the units it names, and their subtrees' paths. */
class Directory {
  constructor(private readonly rows: Map<string, UnitRow>) {}
  get(code: string | null | undefined): UnitRow | undefined {
    return code ? this.rows.get(code) : undefined;
  }
  set(row: UnitRow): void {
    this.rows.set(row.code, row);
  }
  /** Every unit known within `from` gets `to` in its place. */
  rebase(from: string, to: string, parentOf?: { old: string; next: string }): void {
    for (const row of this.rows.values()) {
      if (!isWithin(row.path, from) || row.retiredAt) continue;
      this.rows.set(row.code, { ...row, path: `${to}${row.path.slice(from.length)}`, parentCode: row.parentCode === parentOf?.old ? parentOf.next : row.parentCode });
    }
  }
}

interface Judged {
  verdicts: Verdict[];
  changes: Change[];
  /** Records outside the caller's subtree: the batch is FORBIDDEN. */
  outside: string[];
}

function checkShape(record: UnitRecordInput): Verdict | undefined {
  const length = CODE_LENGTH[record.tier];
  if (!new RegExp(`^\\d{${length}}$`).test(record.code)) return rejection(RecordErrorCode.INVALID_FIELD, 'code', `A ${record.tier} code has ${length} digits, got "${record.code}"`);
  return checks.text(record.name, 'name', 200);
}

/** The parent one tier up, not retired, not within the unit itself. */
function checkParent(record: UnitRecordInput, existing: UnitRow | undefined, parent: UnitRow | undefined): Verdict | undefined {
  const depth = TIERS.indexOf(record.tier);
  if (depth === 0) return record.parentCode ? rejection(RecordErrorCode.INVALID_FIELD, 'parentCode', 'A CITY has no parent') : undefined;
  if (!record.parentCode) return rejection(RecordErrorCode.INVALID_FIELD, 'parentCode', `A ${record.tier} needs a parentCode (a ${TIERS[depth - 1]})`);
  if (!parent) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'parentCode', `No unit has code ${record.parentCode}`);
  if (parent.retiredAt) return retiredRejection(parent, 'parentCode');
  if (existing && isWithin(parent.path, existing.path)) return rejection(RecordErrorCode.CYCLE, 'parentCode', `${parent.code} lies within ${existing.code}: a unit cannot move below itself`);
  if (parent.tier !== TIERS[depth - 1]) return rejection(RecordErrorCode.INVALID_FIELD, 'parentCode', `The parent of a ${record.tier} is a ${TIERS[depth - 1]}; ${parent.code} is a ${parent.tier}`);
  return undefined;
}

function checkSuccessor(record: UnitRecordInput, existing: UnitRow | undefined, successor: UnitRow | undefined): Verdict | undefined {
  if (!record.successorCode) return undefined;
  if (!existing) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'code', `No unit has code ${record.code}: only an existing unit is retired`);
  if (record.successorCode === record.code) return rejection(RecordErrorCode.CYCLE, 'successorCode', 'A unit cannot succeed itself');
  if (!successor) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'successorCode', `No unit has code ${record.successorCode}`);
  if (successor.retiredAt) return retiredRejection(successor, 'successorCode');
  if (successor.tier !== existing.tier) return rejection(RecordErrorCode.INVALID_FIELD, 'successorCode', `A ${existing.tier} is succeeded by a ${existing.tier}; ${successor.code} is a ${successor.tier}`);
  return undefined;
}

/** One record against the directory as the records before it left it: its verdict and change. */
function judgeOne(record: UnitRecordInput, directory: Directory): { verdict: Verdict; change?: Change; paths?: string[] } {
  const existing = directory.get(record.code);
  const problem = checkShape(record) ?? (existing && existing.tier !== record.tier ? rejection(RecordErrorCode.INVALID_FIELD, 'tier', `${record.code} is a ${existing.tier}; a unit keeps its tier`) : undefined);
  if (problem) return { verdict: problem };
  if (existing?.retiredAt) {
    const same = record.successorCode === existing.successorCode && record.name === existing.name;
    return same ? { verdict: { status: 'pending' }, change: { op: 'same' } } : { verdict: retiredRejection(existing, 'code') };
  }
  const parent = directory.get(record.parentCode);
  const successor = directory.get(record.successorCode);
  const invalid = checkParent(record, existing, parent) ?? checkSuccessor(record, existing, successor);
  if (invalid) return { verdict: invalid };
  const path = parent ? `${parent.path}.${record.code}` : record.code;
  const pending: Verdict = { status: 'pending' };
  if (!existing) {
    const row: UnitRow = { code: record.code, name: record.name, tier: record.tier, parentCode: parent?.code ?? null, path, depth: TIERS.indexOf(record.tier) + 1, retiredAt: null, successorCode: null };
    return { verdict: pending, change: { op: 'insert', row }, paths: [path] };
  }
  if (successor) return { verdict: pending, change: { op: 'retire', code: existing.code, name: record.name, from: existing.path, successor }, paths: [existing.path, successor.path] };
  const renamed = record.name !== existing.name;
  const moved = path !== existing.path;
  if (!renamed && !moved) return { verdict: pending, change: { op: 'same' }, paths: [existing.path] };
  return {
    verdict: pending,
    change: { op: 'update', code: existing.code, name: record.name, renamed, ...(moved ? { move: { from: existing.path, to: path, parentCode: parent!.code } } : {}) },
    paths: [existing.path, path],
  };
}

/** Applies an accepted change to the directory the later records are judged against. */
function remember(directory: Directory, change: Change): void {
  if (change.op === 'insert') directory.set(change.row);
  if (change.op === 'update') {
    const row = directory.get(change.code)!;
    directory.set({ ...row, name: change.name });
    if (change.move) directory.rebase(change.move.from, change.move.to, { old: row.parentCode ?? '', next: change.move.parentCode });
  }
  if (change.op === 'retire') {
    const row = directory.get(change.code)!;
    directory.rebase(change.from, change.successor.path, { old: change.code, next: change.successor.code });
    directory.set({ ...row, path: change.from, name: change.name, retiredAt: new Date(), successorCode: change.successor.code });
  }
}

async function judgeUnits(ctx: RequestContext, records: readonly UnitRecordInput[]): Promise<Judged> {
  const codes = new Set(records.flatMap((r) => [r.code, r.parentCode, r.successorCode].filter((c): c is string => !!c)));
  const directory = new Directory(await unitsByCodes(ctx.db, [...codes]));
  const judged: Judged = { verdicts: [], changes: [], outside: [] };
  for (const record of records) {
    const { verdict, change, paths } = judgeOne(record, directory);
    const mine = (paths ?? []).every((unitPath) => ctx.ability.can('manage', subject('Directory', { unitPath })));
    if (!mine) judged.outside.push(record.code);
    judged.verdicts.push(verdict);
    judged.changes.push(change ?? { op: 'same' });
    if (verdict.status === 'pending' && change && mine) remember(directory, change);
  }
  return judged;
}

/** The move of a subtree within the units table: paths below, the unit's parent and name. */
async function moveSubtree(tx: Executor, code: string, name: string, move: { from: string; to: string; parentCode: string }): Promise<void> {
  await tx
    .update(units)
    .set({ path: sql`${move.to} || substr(${units.path}, ${move.from.length + 1})` })
    .where(withinPath(units.path, move.from));
  await tx.update(units).set({ parentCode: move.parentCode, name }).where(eq(units.code, code));
}

/** A merge within the units table: the children go to the successor, the unit is retired. */
async function retireUnit(ctx: RequestContext, tx: Executor, change: Extract<Change, { op: 'retire' }>): Promise<void> {
  await tx
    .update(units)
    .set({ path: sql`${change.successor.path} || substr(${units.path}, ${change.from.length + 1})` })
    .where(and(withinPath(units.path, change.from), ne(units.code, change.code)));
  await tx.update(units).set({ parentCode: change.successor.code }).where(eq(units.parentCode, change.code));
  await tx.update(units).set({ name: change.name, retiredAt: ctx.hub.clock.now(), successorCode: change.successor.code }).where(eq(units.code, change.code));
  await tx.update(principals).set({ unitCode: change.successor.code }).where(eq(principals.unitCode, change.code));
  await tx.update(departments).set({ jurisdictionCode: change.successor.code }).where(eq(departments.jurisdictionCode, change.code));
  await followMerge(tx, placedTables(ctx.hub), change.code, change.successor.code);
}

interface Applied {
  inserted: Set<number>;
  updated: Set<number>;
  moves: UnitMoveRow[];
  drafts: AuditDraft[];
  receipts: Receipt[];
}

async function applyChange(ctx: RequestContext, tx: Executor, change: Change, index: number, applied: Applied): Promise<void> {
  const movedFrom = async (code: string, from: string, to: string, operation: string, details: Record<string, unknown>) => {
    const [move] = await tx.insert(unitMoves).values({ code, fromPath: from, toPath: to }).returning();
    applied.moves.push(move!);
    applied.drafts.push({ operation, kind: 'Unit', recordIds: [code], details: { from, to, ...details } });
    applied.receipts.push(await ctx.hub.bus.publish(tx, 'accessChanged', { unitPath: from }));
  };
  if (change.op === 'insert') {
    await tx.insert(units).values(change.row);
    applied.inserted.add(index);
  } else if (change.op === 'update') {
    applied.updated.add(index);
    if (change.move) {
      await moveSubtree(tx, change.code, change.name, change.move);
      await movedFrom(change.code, change.move.from, change.move.to, 'moveUnit', { parentCode: change.move.parentCode });
    } else {
      await tx.update(units).set({ name: change.name }).where(eq(units.code, change.code));
    }
  } else if (change.op === 'retire') {
    applied.updated.add(index);
    await retireUnit(ctx, tx, change);
    await movedFrom(change.code, change.from, change.successor.path, 'retireUnit', { successorCode: change.successor.code });
  }
}

/**
 * importUnits: an admin's batch of its directory, on the ingest contract (a result per record,
 * at most 1,000, idempotent, `atomic`). Records are judged in the order sent, each against the
 * directory the earlier ones leave; a record outside the caller's subtree makes the whole batch
 * FORBIDDEN, nothing written. The units table changes in one transaction; then the records of
 * every moved or retired unit are rehomed in batches while the hub keeps serving.
 */
export async function importUnits(ctx: RequestContext, input: ImportUnitsInput): Promise<IngestReport> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'manage', 'Directory');
  checkBatchSize(input.records.length);
  checkSource(principal, input.source);
  const codes = input.records.map((r) => r.code);
  const judged = await judgeUnits(ctx, input.records);
  if (judged.outside.length > 0) {
    throw new ForbiddenError('manage', 'Directory', `Outside your unit ${principal.unit?.name} (${principal.unit?.code}): ${judged.outside.slice(0, 10).join(', ')}. Nothing was written.`);
  }
  const { verdicts } = judged;
  markRepeats(codes, verdicts);
  const rejected = verdicts.some((v) => v.status === RecordStatus.REJECTED);
  const summary = (applied: Applied | undefined): AuditDraft => ({
    operation: 'importUnits',
    kind: 'Unit',
    recordIds: applied ? codes.filter((_, i) => applied.inserted.has(i) || applied.updated.has(i)) : [],
    details: { source: input.source, records: codes.length, inserted: applied?.inserted.size ?? 0, updated: applied?.updated.size ?? 0, rejected: verdicts.filter((v) => v.status === RecordStatus.REJECTED).length, aborted: input.atomic && rejected },
  });
  if (input.atomic && rejected) {
    await audit(ctx, ctx.db, summary(undefined));
    return buildReport(codes, verdicts, 'aborted');
  }
  const applied = await ctx.db.transaction(async (tx) => {
    const done: Applied = { inserted: new Set(), updated: new Set(), moves: [], drafts: [], receipts: [] };
    for (const [index, verdict] of verdicts.entries()) {
      if (verdict.status === 'pending') await applyChange(ctx, tx, judged.changes[index]!, index, done);
    }
    await audit(ctx, tx, ...done.drafts, summary(done));
    return done;
  });
  await Promise.all(applied.receipts.map((receipt) => ctx.hub.bus.delivered(receipt)));
  for (const move of applied.moves) await rehome(ctx.hub, move);
  const ids = new Map(codes.map((code, index) => [index, code]));
  return buildReport(codes, verdicts, { ids, inserted: applied.inserted, updated: applied.updated });
}
