import { defineModule } from '../../platform/module.js';
import { ingestMetrics } from './ingest.metrics.js';

export { IngestReport, IngestResult, RecordError, RecordStatus, RecordErrorCode } from './ingest.type.js';
export { MAX_BATCH, checkBatchSize, checkSource, placementVerdict, markRepeats, buildReport, checks, rejection, storable, type Verdict } from './ingest.batch.js';
export { runIngestBatch, judgePlaced, retiredRejection, type IngestBatch, type IngestBatchInput, type IngestKind, type IngestSubject, type Placing, type StoredTable, type Written } from './ingest.pipeline.js';
export { withLocation } from './ingest.csv.js';

/** The ingest contract every ingestable kind shares: per-record reports, idempotency, batches. */
export const ingestModule = defineModule({ name: 'ingest', metrics: (hub) => void hub.singles.of(ingestMetrics) });
