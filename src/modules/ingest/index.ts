export { IngestReport, IngestResult, RecordError, RecordStatus, RecordErrorCode } from './ingest.type.js';
export { MAX_BATCH, checkBatchSize, checkSource, placementVerdict, markRepeats, buildReport, checks, rejection, storable, type Verdict } from './ingest.batch.js';
