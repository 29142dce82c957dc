import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, readFileSync, renameSync, statSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import type { Item } from './reader.js';
import type { Batch, ItemResult } from './sender.js';
import { PushFatalError, type Totals } from './outcome.js';

/**
 * The resume state of one input file, kept beside it as `<file>.push-state.json`. It says how
 * far the file has been acknowledged by the hub, in order: every item up to `line` is stored
 * (or was rejected), whatever happened after. It is rewritten (atomically) after each batch
 * that extends the acknowledged prefix.
 */
interface PushState {
  version: 1;
  /** Which file this is about: its size when first read and a hash of its first 64 KB. */
  fingerprint: string;
  kind: string;
  source: string;
  /** Every item at or before this line has been acknowledged. */
  line: number;
  /** Byte offset just past that line. */
  bytes: number;
  /** Running totals over every run. */
  accepted: number;
  /** Kinds whose records change (devices, heartbeats); absent in state files of earlier versions. */
  updated?: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  /** The whole file has been acknowledged. */
  done: boolean;
  updatedAt: string;
}

export function statePathOf(file: string): string {
  return `${file}.push-state.json`;
}

/** Size and the first 64 KB: enough to tell another file from this one, cheap on any size. */
function fingerprintOf(file: string): string {
  const { size } = statSync(file);
  const head = Buffer.alloc(Math.min(size, 64 * 1024));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return `${size}:${createHash('sha256').update(head).digest('hex').slice(0, 32)}`;
}

function readState(path: string): PushState | undefined {
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as PushState;
  if (state.version !== 1 || typeof state.line !== 'number') throw new Error(`${path} is not a push state file`);
  return state;
}

function writeState(path: string, state: PushState): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}

interface StartOptions {
  file: string;
  kind: string;
  source: string;
  resume: boolean;
  log: (text: string) => void;
}

/** Why an earlier state cannot be resumed from, or undefined when it can. */
function mismatch(earlier: PushState, fingerprint: string, kind: string, source: string): string | undefined {
  if (earlier.fingerprint !== fingerprint) return 'the file has changed since';
  if (earlier.kind !== kind) return `it was a push of ${earlier.kind}`;
  if (earlier.source !== source) return `it was pushed as source ${earlier.source}`;
  return undefined;
}

/** The state a run starts from: the earlier one with --resume (refused if it is about another file, kind or source), a fresh one written now otherwise. */
export function startState({ file, kind, source, resume, log }: StartOptions): PushState {
  const statePath = statePathOf(file);
  const fingerprint = fingerprintOf(file);
  const earlier = readState(statePath);
  if (resume && earlier) {
    const differs = mismatch(earlier, fingerprint, kind, source);
    if (differs) throw new PushFatalError(`cannot resume from ${statePath}: ${differs}. Delete it, or push without --resume to send the whole file again (duplicates are reported, never stored twice).`);
    log(earlier.done ? `push: ${file} was pushed completely before (through line ${earlier.line}); nothing to send` : `push: resuming ${file} after line ${earlier.line} (acknowledged earlier)`);
    return { ...earlier };
  }
  if (earlier && !earlier.done) log(`push: ${statePath} says lines 1–${earlier.line} were acknowledged before; sending the whole file again (--resume would skip them)`);
  const state: PushState = { version: 1, fingerprint, kind, source, line: 0, bytes: 0, accepted: 0, duplicates: 0, rejected: 0, skipped: 0, done: false, updatedAt: new Date().toISOString() };
  writeState(statePath, state);
  return state;
}

/**
 * The outcome of every acknowledged item, counted for this run (`totals`) and over every run
 * (the state file, rewritten after each step of the acknowledged prefix); rejected items go to
 * the rejects file, appended to with --resume and started afresh otherwise, created on the
 * first one.
 */
export class Tally {
  readonly totals: Totals = { records: 0, accepted: 0, updated: 0, duplicates: 0, rejected: 0, rejectedLocally: 0, skipped: 0, resumedPast: 0 };
  private rejectsFd: number | undefined;
  private rejectsWritten = 0;

  constructor(
    readonly state: PushState,
    readonly statePath: string,
    private readonly rejectsPath: string,
    private readonly resume: boolean,
  ) {
    if (!resume && existsSync(rejectsPath)) this.rejectsFd = openSync(rejectsPath, 'w');
  }

  /** The rejects file, if anything was written to it in this run. */
  get rejectsFile(): string | undefined {
    return this.rejectsWritten > 0 ? this.rejectsPath : undefined;
  }

  /** Counts the batches that extend the acknowledged prefix (rejects written first), then writes the state. */
  acknowledge(batches: readonly Batch[]): void {
    for (const batch of batches) {
      const sentAt = new Map(batch.sent.map((position, k) => [position, k]));
      const results = batch.report?.results ?? [];
      batch.items.forEach((item, position) => this.count(item, results[sentAt.get(position) ?? -1]));
      this.state.line = batch.lastLine;
      this.state.bytes = batch.end;
    }
    this.save();
  }

  /** The whole file is acknowledged. */
  finish(size: number): void {
    this.state.done = true;
    this.state.bytes = size;
    this.save();
  }

  close(): void {
    if (this.rejectsFd !== undefined) closeSync(this.rejectsFd);
  }

  private count(item: Item, result: ItemResult | undefined): void {
    if ('problem' in item) {
      this.totals.rejectedLocally++;
      this.reject({ line: item.line, error: item.problem, text: item.text });
      return;
    }
    this.totals.records++;
    switch (result?.status) {
      case 'REJECTED':
        this.reject({ line: item.line, externalId: item.record['externalId'], error: result.error, record: item.record });
        break;
      case 'ACCEPTED':
        this.totals.accepted++;
        this.state.accepted++;
        break;
      case 'UPDATED':
        this.totals.updated++;
        this.state.updated = (this.state.updated ?? 0) + 1;
        break;
      case 'DUPLICATE':
        this.totals.duplicates++;
        this.state.duplicates++;
        break;
      default:
        this.totals.skipped++;
        this.state.skipped++;
    }
  }

  private reject(entry: Record<string, unknown>): void {
    this.totals.rejected++;
    this.state.rejected++;
    this.rejectsFd ??= openSync(this.rejectsPath, this.resume ? 'a' : 'w');
    writeSync(this.rejectsFd, `${JSON.stringify(entry)}\n`);
    this.rejectsWritten++;
  }

  private save(): void {
    this.state.updatedAt = new Date().toISOString();
    writeState(this.statePath, this.state);
  }
}
