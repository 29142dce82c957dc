export { IngestReport, IngestResult, RecordError, RecordStatus, RecordErrorCode } from './ingest.type.js';
export { MAX_BATCH, checkBatchSize, checkSource, placementVerdict, markRepeats, buildReport, checks, rejection, storable, writtenOutcome, type Verdict } from './ingest.batch.js';
