import type { Hub } from '../../platform/context.js';
import type { IngestReport } from './ingest.type.js';

/** `gridhub_ingest_records_total{kind, outcome}`: every record of every ingest batch, by kind (CASL subject) and its reported status. */
export function ingestMetrics(hub: Hub) {
  return hub.metrics.counter({
    name: 'gridhub_ingest_records_total',
    help: 'Records received by ingest mutations, by kind and outcome (ACCEPTED, UPDATED, DUPLICATE, REJECTED, SKIPPED)',
    labelNames: ['kind', 'outcome'] as const,
  });
}

/** Counts a batch's records once its report is made (after its transaction committed). */
export function countIngested(hub: Hub, kind: string, report: IngestReport): IngestReport {
  const counter = hub.singles.of(ingestMetrics);
  const outcomes: [string, number][] = [
    ['ACCEPTED', report.accepted],
    ['UPDATED', report.updated],
    ['DUPLICATE', report.duplicates],
    ['REJECTED', report.rejected],
    ['SKIPPED', report.skipped],
  ];
  for (const [outcome, count] of outcomes) if (count > 0) counter.inc({ kind, outcome }, count);
  return report;
}
