import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import type { GraphQLInputObjectType } from 'graphql';
import { readItems, type Format, type Item } from './reader.js';
import { mutationOf, type PushKind } from './kinds.js';
import { request, PushRequestError, type ClientOptions } from './client.js';
import { fingerprintOf, readState, statePathOf, writeState, type PushState } from './state.js';
import { Progress, type ProgressOptions } from './progress.js';

/**
 * Terminology
 * - batch: up to `batchSize` items sent as one ingest mutation (locally rejected items ride
 *   along in their batch's line range but are not sent).
 * - acknowledged: the hub answered the batch with a report; everything in it is then stored,
 *   a duplicate of something stored, or rejected (and written to the rejects file).
 * - the acknowledged prefix: batches complete out of order when several are in flight; the
 *   state file only ever moves to the end of the longest run of acknowledged batches from
 *   the start, so a rerun with --resume never skips an item that was not acknowledged.
 */
/** Past this many bytes of input, a batch is sent even if it holds fewer than `batchSize` records. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface PushOptions {
  file: string;
  format: Format;
  kind: PushKind;
  /** The input type of one record in the hub's schema (`recordTypeOf`): every record is checked against it before it is sent. */
  recordType: GraphQLInputObjectType;
  client: ClientOptions;
  /** Absent: the caller's own name (asked with `me`). */
  source?: string;
  batchSize: number;
  concurrency: number;
  resume: boolean;
  rejectsPath: string;
  progress: ProgressOptions;
  /** Status lines (resuming, retries, warnings). */
  log: (text: string) => void;
  /** Set to stop after the batches in flight (Ctrl-C). */
  signal?: AbortSignal;
}

export interface PushSummary {
  source: string;
  /** Records answered in this run, by outcome (rejected counts those refused locally too). */
  records: number;
  accepted: number;
  /** Existing records changed (kinds whose records change: devices, heartbeats). */
  updated: number;
  duplicates: number;
  rejected: number;
  /** Of `rejected`: lines that did not parse or could not be sent as they were. */
  rejectedLocally: number;
  skipped: number;
  /** Items acknowledged in an earlier run and not sent again (--resume). */
  resumedPast: number;
  resumedThroughLine: number;
  /** Every item up to this line is acknowledged (what --resume would skip). */
  acknowledgedThroughLine: number;
  /** Every item of the file is acknowledged. */
  complete: boolean;
  interrupted: boolean;
  elapsedMs: number;
  retries: number;
  rejectsPath: string | undefined;
  statePath: string;
}

/** A push that cannot go on; what was acknowledged so far is in the state file. */
export class PushFatalError extends Error {
  override readonly name = 'PushFatalError';
  constructor(
    message: string,
    readonly summary?: PushSummary,
  ) {
    super(message);
  }
}

interface Report {
  accepted: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  results: { status: string; error: { code: string; field: string | null; message: string } | null }[];
}

interface Batch {
  items: Item[];
  records: Record<string, unknown>[];
  /** Positions in `items` of the records sent. */
  sent: number[];
  lastLine: number;
  end: number;
  report?: Report;
}

export async function push(options: PushOptions): Promise<PushSummary> {
  const started = Date.now();
  const { kind, file } = options;
  const size = statSync(file).size;
  const statePath = statePathOf(file);
  const fingerprint = fingerprintOf(file);
  let retries = 0;
  const client: ClientOptions = {
    ...options.client,
    onRetry: (attempt, delayMs, reason) => {
      retries++;
      progress.note(`push: ${reason}; retry ${attempt}/${options.client.retries} in ${(delayMs / 1000).toFixed(1)} s`);
      options.client.onRetry?.(attempt, delayMs, reason);
    },
  };
  const progress = new Progress(options.progress);

  const source = options.source ?? (await whoAmI(client));
  const earlier = readState(statePath);
  let state: PushState;
  if (options.resume && earlier) {
    const differs = earlier.fingerprint !== fingerprint ? 'the file has changed since' : earlier.kind !== kind.name ? `it was a push of ${earlier.kind}` : earlier.source !== source ? `it was pushed as source ${earlier.source}` : undefined;
    if (differs) throw new PushFatalError(`cannot resume from ${statePath}: ${differs}. Delete it, or push without --resume to send the whole file again (duplicates are reported, never stored twice).`);
    state = { ...earlier };
    options.log(earlier.done ? `push: ${file} was pushed completely before (through line ${earlier.line}); nothing to send` : `push: resuming ${file} after line ${earlier.line} (acknowledged earlier)`);
  } else {
    if (earlier && !earlier.done) options.log(`push: ${statePath} says lines 1–${earlier.line} were acknowledged before; sending the whole file again (--resume would skip them)`);
    state = { version: 1, fingerprint, kind: kind.name, source, line: 0, bytes: 0, accepted: 0, duplicates: 0, rejected: 0, skipped: 0, done: false, updatedAt: new Date().toISOString() };
    writeState(statePath, state);
  }
  const resumedThroughLine = state.line;

  // Rejects: appended to on --resume, started afresh otherwise; created on the first one.
  let rejectsFd: number | undefined;
  let rejectsWritten = 0;
  const writeReject = (entry: Record<string, unknown>) => {
    rejectsFd ??= openSync(options.rejectsPath, options.resume ? 'a' : 'w');
    writeSync(rejectsFd, `${JSON.stringify(entry)}\n`);
    rejectsWritten++;
  };
  if (!options.resume && existsSync(options.rejectsPath)) rejectsFd = openSync(options.rejectsPath, 'w');

  const totals = { records: 0, accepted: 0, updated: 0, duplicates: 0, rejected: 0, rejectedLocally: 0, skipped: 0, resumedPast: 0 };
  let bytesRead = state.bytes;
  const startBytes = state.bytes;
  const snapshot = () => ({ bytesRead, startBytes, size, records: totals.records, accepted: totals.accepted, duplicates: totals.duplicates, rejected: totals.rejected, retries });

  const query = mutationOf(kind);
  const queue: Batch[] = [];
  const inFlight = new Set<Promise<void>>();
  let fatal: Error | undefined;

  /** Moves the acknowledged prefix on: rejects written first, then the state. */
  const advance = () => {
    let moved = false;
    while (queue[0]?.report || (queue[0] && queue[0].sent.length === 0)) {
      const batch = queue.shift()!;
      const results = batch.report?.results ?? [];
      if (batch.report && results.length !== batch.sent.length) {
        fatal ??= new PushFatalError(`the hub answered ${results.length} results for a batch of ${batch.sent.length} records`);
        return;
      }
      const sentAt = new Map(batch.sent.map((position, k) => [position, k]));
      batch.items.forEach((item, position) => {
        if ('problem' in item) {
          totals.rejected++;
          totals.rejectedLocally++;
          state.rejected++;
          writeReject({ line: item.line, error: item.problem, text: item.text });
          return;
        }
        const result = results[sentAt.get(position)!]!;
        totals.records++;
        if (result.status === 'REJECTED') {
          totals.rejected++;
          state.rejected++;
          writeReject({ line: item.line, externalId: item.record['externalId'], error: result.error, record: item.record });
        } else if (result.status === 'ACCEPTED') {
          totals.accepted++;
          state.accepted++;
        } else if (result.status === 'UPDATED') {
          totals.updated++;
          state.updated = (state.updated ?? 0) + 1;
        } else if (result.status === 'DUPLICATE') {
          totals.duplicates++;
          state.duplicates++;
        } else {
          totals.skipped++;
          state.skipped++;
        }
      });
      state.line = batch.lastLine;
      state.bytes = batch.end;
      moved = true;
    }
    if (moved) {
      state.updatedAt = new Date().toISOString();
      writeState(statePath, state);
      progress.update(snapshot());
    }
  };

  const send = async (batch: Batch) => {
    try {
      const data = await request<Record<string, Report>>(client, query, { input: { source, records: batch.records } });
      batch.report = data[kind.mutation];
      if (!batch.report) throw new PushFatalError(`the hub's answer has no ${kind.mutation}`);
      advance();
    } catch (error) {
      fatal ??= error instanceof Error ? error : new Error(String(error));
    }
  };

  const dispatch = async (batch: Batch) => {
    queue.push(batch);
    if (batch.sent.length === 0) {
      advance();
      return;
    }
    // A kind whose records refer to earlier ones (units: a parent comes before its children) goes one batch at a time.
    const concurrency = kind.inOrder ? 1 : options.concurrency;
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (fatal || options.signal?.aborted) return;
    const promise = send(batch).finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };

  let batch: Batch = { items: [], records: [], sent: [], lastLine: state.line, end: state.bytes };
  let batchBytes = 0;
  let interrupted = false;
  if (!state.done) {
    try {
      await readAndSend();
    } catch (error) {
      // The file could not be read (gone, a CSV header of unknown columns): stop, keep what was acknowledged.
      fatal ??= error instanceof Error ? error : new Error(String(error));
    }
    await Promise.all(inFlight);
  }
  async function readAndSend() {
    for await (const item of readItems(file, options.format, { kind, type: options.recordType })) {
      if (item.line <= resumedThroughLine) {
        totals.resumedPast++;
        continue;
      }
      // The hub reads request bodies of up to 10 MB: a batch of large records is cut short of that.
      const size = Math.max(0, item.end - batch.end);
      if (batch.records.length > 0 && batchBytes + size > MAX_REQUEST_BYTES) {
        await dispatch(batch);
        batch = { items: [], records: [], sent: [], lastLine: batch.lastLine, end: batch.end };
        batchBytes = 0;
      }
      batchBytes += size;
      bytesRead = Math.max(bytesRead, item.end);
      if ('record' in item) {
        batch.sent.push(batch.items.length);
        batch.records.push(item.record);
      }
      batch.items.push(item);
      batch.lastLine = item.line;
      batch.end = item.end;
      if (batch.items.length >= options.batchSize) {
        await dispatch(batch);
        batch = { items: [], records: [], sent: [], lastLine: batch.lastLine, end: batch.end };
        batchBytes = 0;
      }
      if (fatal) break;
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      progress.update(snapshot());
    }
    if (!fatal && !interrupted) {
      // The last line may be blank or missing: the end of the file is acknowledged with the last batch.
      batch.end = size;
      await dispatch(batch);
    }
  }
  if (!fatal && !interrupted && queue.length === 0) {
    state.done = true;
    state.bytes = size;
    state.updatedAt = new Date().toISOString();
    writeState(statePath, state);
  }
  if (options.progress.mode === 'bar') progress.update(snapshot(), true);
  progress.finish();
  if (rejectsFd !== undefined) closeSync(rejectsFd);

  const summary: PushSummary = {
    source,
    ...totals,
    resumedThroughLine,
    acknowledgedThroughLine: state.line,
    complete: state.done,
    interrupted,
    elapsedMs: Date.now() - started,
    retries,
    rejectsPath: rejectsWritten > 0 ? options.rejectsPath : undefined,
    statePath,
  };
  if (fatal) {
    throw new PushFatalError(fatal.message, summary);
  }
  return summary;
}

/** The caller's principal name: the default source. Also fails early on bad credentials. */
async function whoAmI(client: ClientOptions): Promise<string> {
  const data = await request<{ me: { name: string } }>(client, '{ me { name } }').catch((error: unknown) => {
    if (error instanceof PushRequestError) throw new PushFatalError(error.retryable ? `cannot reach the hub at ${client.url}: ${error.message}` : `the hub refused the request: ${error.message}`);
    throw error;
  });
  return data.me.name;
}
