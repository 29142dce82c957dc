import { and, eq, inArray } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { unitsByCodes } from '../units/index.js';
import { audit, type AuditDraft } from '../audit/index.js';
import { buildReport, checkBatchSize, checks, checkSource, markRepeats, placementVerdict, rejection, RecordErrorCode, type IngestReport, type Verdict, writtenOutcome } from '../ingest/index.js';
import { cases } from './case.table.js';
import { CASE_LIMITS, type IngestCasesInput } from './case.input.js';
import { insertCases, type CaseDraft } from './case.service.js';

/**
 * Work orders from other systems (the 12345 hotline, …) as EXTERNAL cases, on the contract of
 * ingestAlerts: per-record report, (source, externalId) idempotency, at most 1,000, `atomic`,
 * jurisdiction and domain (the category is the type) per record, one transaction, and a
 * fixed number of statements per batch. Cases arrive REPORTED at their unit, assigned there.
 */
export async function ingestCases(ctx: RequestContext, input: IngestCasesInput): Promise<IngestReport> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'ingest', 'Case');
  checkBatchSize(input.records.length);
  checkSource(principal, input.source);
  const now = ctx.hub.clock.now();
  const records = input.records;
  const unitRows = await unitsByCodes(ctx.db, [...new Set(records.map((r) => r.unitCode))]);
  const verdicts: Verdict[] = records.map((record) => {
    const invalid =
      checks.text(record.externalId, 'externalId', 200) ??
      checks.text(record.title, 'title', CASE_LIMITS.title) ??
      (record.description ? checks.text(record.description, 'description', CASE_LIMITS.description) : undefined) ??
      (record.reporterName ? checks.text(record.reporterName, 'reporterName', CASE_LIMITS.reporterName) : undefined) ??
      (record.reporterPhone ? checks.text(record.reporterPhone, 'reporterPhone', CASE_LIMITS.reporterPhone) : undefined) ??
      (record.reportedAt ? checks.time(record.reportedAt, 'reportedAt', now) : undefined) ??
      checks.location(record.location);
    if (invalid) return invalid;
    const unit = unitRows.get(record.unitCode);
    if (!unit) return rejection(RecordErrorCode.UNKNOWN_UNIT, 'unitCode', `No unit has code ${record.unitCode}`);
    const verdict = placementVerdict(ctx.ability, principal, 'Case', { unitPath: unit.path, type: record.category });
    return verdict.status === 'REJECTED' && verdict.error.field === 'type' ? rejection(verdict.error.code, 'category', verdict.error.message) : verdict;
  });
  const externalIds = records.map((r) => r.externalId);
  markRepeats(externalIds, verdicts);
  const draft = (ids: string[], aborted: boolean): AuditDraft => ({
    operation: 'ingestCases',
    kind: 'Case',
    recordIds: ids,
    details: { source: input.source, records: records.length, inserted: ids.length, rejected: verdicts.filter((v) => v.status === 'REJECTED').length, aborted },
  });
  if (input.atomic && verdicts.some((v) => v.status === 'REJECTED')) {
    await audit(ctx, ctx.db, draft([], true));
    return buildReport(externalIds, verdicts, 'aborted');
  }
  const pending = verdicts.flatMap((v, index) => (v.status === 'pending' ? [index] : []));
  if (pending.length === 0) {
    await audit(ctx, ctx.db, draft([], false));
    return buildReport(externalIds, verdicts, { ids: new Map(), inserted: new Set() });
  }
  const outcome = await ctx.db.transaction(async (tx) => {
    const drafts: CaseDraft[] = pending.map((index) => {
      const record = records[index]!;
      const path = unitRows.get(record.unitCode)!.path;
      return {
        title: record.title.trim(),
        description: record.description?.trim() ?? '',
        category: record.category,
        severity: record.severity,
        state: 'REPORTED',
        originKind: 'EXTERNAL',
        originId: null,
        unitPath: path,
        assigneePath: path,
        lat: record.location?.lat ?? null,
        lng: record.location?.lng ?? null,
        reporterName: record.reporterName?.trim() || null,
        reporterPhone: record.reporterPhone?.trim() || null,
        openedAt: now,
        openedBy: principal.name,
        actorUnitCode: principal.department?.jurisdiction.code ?? null,
        note: record.reportedAt ? `reported to ${input.source} at ${record.reportedAt.toISOString()}` : null,
        source: input.source,
        externalId: record.externalId,
      };
    });
    const inserted = await insertCases(tx, drafts);
    const insertedIds = new Map(inserted.map((r) => [r.externalId as string, r.id]));
    const missing = pending.map((i) => externalIds[i]!).filter((e) => !insertedIds.has(e));
    const existing = missing.length
      ? await tx.select({ id: cases.id, externalId: cases.externalId }).from(cases).where(and(eq(cases.source, input.source), inArray(cases.externalId, missing)))
      : [];
    const existingIds = new Map(existing.map((r) => [r.externalId as string, r.id]));
    const ids = inserted.map((r) => r.id);
    for (let offset = 0; offset < ids.length; offset += 150) await ctx.hub.bus.publish(tx, 'caseChanged', { ids: ids.slice(offset, offset + 150) });
    await audit(ctx, tx, draft(ids, false));
    return writtenOutcome(pending, externalIds, insertedIds, existingIds);
  });
  return buildReport(externalIds, verdicts, outcome);
}
