import { statSync } from 'node:fs';
import type { GraphQLInputObjectType } from 'graphql';
import { readItems, type Format } from './reader.js';
import { mutationOf, type PushKind } from './kinds.js';
import { request, PushRequestError, type ClientOptions } from './client.js';
import { startState, statePathOf, Tally } from './state.js';
import { Progress, type ProgressOptions, type ProgressSnapshot } from './progress.js';
import { Sender } from './sender.js';
import { Batcher } from './batches.js';
import { PushFatalError, type PushSummary } from './outcome.js';

/*
 * A push reads a file's items (reader.ts), cuts them into batches (batches.ts), sends those
 * with a few in flight (sender.ts), and counts what the hub acknowledged into the state and
 * rejects files (state.ts). This file wires them together.
 */

interface PushOptions {
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

/** One push under way: its pieces and what the progress line shows. */
interface Run {
  readonly options: PushOptions;
  readonly size: number;
  readonly progress: Progress;
  readonly tally: Tally;
  readonly sender: Sender;
  readonly resumedThroughLine: number;
  readonly startBytes: number;
  bytesRead: number;
  retries: number;
}

export async function push(options: PushOptions): Promise<PushSummary> {
  const started = Date.now();
  const run = await startRun(options);
  let interrupted = false;
  if (!run.tally.state.done) {
    try {
      interrupted = await readAndSend(run);
    } catch (error) {
      // The file could not be read (gone, a CSV header of unknown columns): stop, keep what was acknowledged.
      run.sender.fail(error);
    }
    await run.sender.drain();
  }
  if (!run.sender.fatal && !interrupted && run.sender.idle) run.tally.finish(run.size);
  if (options.progress.mode === 'bar') run.progress.update(snapshot(run), true);
  run.progress.finish();
  run.tally.close();
  const summary = summaryOf(run, interrupted, Date.now() - started);
  if (run.sender.fatal) throw new PushFatalError(run.sender.fatal.message, summary);
  return summary;
}

async function startRun(options: PushOptions): Promise<Run> {
  const progress = new Progress(options.progress);
  const counter = { retries: 0 };
  const client: ClientOptions = {
    ...options.client,
    onRetry: (attempt, delayMs, reason) => {
      counter.retries++;
      progress.note(`push: ${reason}; retry ${attempt}/${options.client.retries} in ${(delayMs / 1000).toFixed(1)} s`);
      options.client.onRetry?.(attempt, delayMs, reason);
    },
  };
  const source = options.source ?? (await whoAmI(client));
  const state = startState({ file: options.file, kind: options.kind.name, source, resume: options.resume, log: options.log });
  const tally = new Tally(state, statePathOf(options.file), options.rejectsPath, options.resume);
  const sender = new Sender({
    client, query: mutationOf(options.kind), mutation: options.kind.mutation, source, concurrency: options.kind.inOrder ? 1 : options.concurrency, signal: options.signal,
    onAcknowledged: (batches) => {
      tally.acknowledge(batches);
      progress.update(snapshot(run));
    },
  });
  const run: Run = {
    options, size: statSync(options.file).size, progress, tally, sender, resumedThroughLine: state.line, startBytes: state.bytes, bytesRead: state.bytes,
    get retries() {
      return counter.retries;
    },
  };
  return run;
}

/** Reads the file past what was acknowledged before and sends it batch by batch; true when stopped by the signal. */
async function readAndSend(run: Run): Promise<boolean> {
  const { options, tally, sender } = run;
  const batcher = new Batcher(options.batchSize, tally.state.line, tally.state.bytes);
  for await (const item of readItems(options.file, options.format, { kind: options.kind, type: options.recordType })) {
    if (item.line <= run.resumedThroughLine) {
      tally.totals.resumedPast++;
      continue;
    }
    for (const batch of batcher.add(item)) await sender.dispatch(batch);
    run.bytesRead = Math.max(run.bytesRead, item.end);
    if (sender.fatal) return false;
    if (options.signal?.aborted) return true;
    run.progress.update(snapshot(run));
  }
  if (!sender.fatal) await sender.dispatch(batcher.last(run.size));
  return false;
}

function snapshot(run: Run): ProgressSnapshot {
  const { records, accepted, duplicates, rejected } = run.tally.totals;
  return { bytesRead: run.bytesRead, startBytes: run.startBytes, size: run.size, records, accepted, duplicates, rejected, retries: run.retries };
}

function summaryOf(run: Run, interrupted: boolean, elapsedMs: number): PushSummary {
  const { tally } = run;
  return {
    source: tally.state.source,
    ...tally.totals,
    resumedThroughLine: run.resumedThroughLine,
    acknowledgedThroughLine: tally.state.line,
    complete: tally.state.done,
    interrupted,
    elapsedMs,
    retries: run.retries,
    rejectsPath: tally.rejectsFile,
    statePath: tally.statePath,
  };
}

/** The caller's principal name: the default source. Also fails early on bad credentials. */
async function whoAmI(client: ClientOptions): Promise<string> {
  const data = await request<{ me: { name: string } }>(client, '{ me { name } }').catch((error: unknown) => {
    if (error instanceof PushRequestError) throw new PushFatalError(error.retryable ? `cannot reach the hub at ${client.url}: ${error.message}` : `the hub refused the request: ${error.message}`);
    throw error;
  });
  return data.me.name;
}
