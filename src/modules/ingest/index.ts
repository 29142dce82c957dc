export { IngestReport, IngestResult, RecordError, RecordStatus, RecordErrorCode } from './ingest.type.js';
export { MAX_BATCH, checkBatchSize, checkSource, placementVerdict, markRepeats, buildReport, checks, rejection, storable, type Verdict } from './ingest.batch.js';
export { runIngestBatch, judgePlaced, type IngestBatch, type IngestBatchInput, type IngestKind, type IngestSubject, type Placing, type StoredTable, type Written } from './ingest.pipeline.js';
