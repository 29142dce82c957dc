import type { RequestContext } from '../../platform/context.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import { checks, judgePlaced, runIngestBatch, type IngestReport } from '../ingest/index.js';
import { cases } from './case.table.js';
import { CASE_LIMITS, type IngestCasesInput } from './case.input.js';
import { insertCases, type CaseDraft } from './case.insert.js';

/**
 * Work orders from other systems (the 12345 hotline, …) as EXTERNAL cases, on the contract of
 * ingestAlerts: per-record report, (source, externalId) idempotency, at most 1,000, `atomic`,
 * jurisdiction and domain (the category is the type) per record, one transaction, and a
 * fixed number of statements per batch. Cases arrive REPORTED at their unit, assigned there.
 */
export function ingestCases(ctx: RequestContext, input: IngestCasesInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'ingestCases',
    subject: 'Case',
    stored: { table: cases, id: cases.id, source: cases.source, externalId: cases.externalId },
    judge: (batch) =>
      judgePlaced(batch, {
        unitCode: (record) => record.unitCode,
        type: (record) => record.category,
        typeField: 'category',
        check: (record) =>
          checks.text(record.externalId, 'externalId', 200) ??
          checks.text(record.title, 'title', CASE_LIMITS.title) ??
          (record.description ? checks.text(record.description, 'description', CASE_LIMITS.description) : undefined) ??
          (record.reporterName ? checks.text(record.reporterName, 'reporterName', CASE_LIMITS.reporterName) : undefined) ??
          (record.reporterPhone ? checks.text(record.reporterPhone, 'reporterPhone', CASE_LIMITS.reporterPhone) : undefined) ??
          (record.reportedAt ? checks.time(record.reportedAt, 'reportedAt', batch.now) : undefined) ??
          checks.location(record.location),
      }),
    async write(tx, { principal, now, source, records }, pending, { units }) {
      const drafts: CaseDraft[] = pending.map((index) => {
        const record = records[index]!;
        const path = units.get(record.unitCode)!.path;
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
          note: record.reportedAt ? `reported to ${source} at ${record.reportedAt.toISOString()}` : null,
          source,
          externalId: record.externalId,
        };
      });
      const inserted = await insertCases(tx, drafts);
      const ids = inserted.map((r) => r.id);
      await publishIds(ctx.hub.bus, tx, 'caseChanged', ids);
      return { inserted: new Map(inserted.map((r) => [r.externalId as string, r.id])) };
    },
  });
}
