import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';

/**
 * The resume state of one input file, kept beside it as `<file>.push-state.json`. It says how
 * far the file has been acknowledged by the hub, in order: every item up to `line` is stored
 * (or was rejected), whatever happened after. It is rewritten (atomically) after each batch
 * that extends the acknowledged prefix.
 */
export interface PushState {
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
export function fingerprintOf(file: string): string {
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

export function readState(path: string): PushState | undefined {
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as PushState;
  if (state.version !== 1 || typeof state.line !== 'number') throw new Error(`${path} is not a push state file`);
  return state;
}

export function writeState(path: string, state: PushState): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}
