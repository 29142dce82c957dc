/**
 * How far a push has got. On a terminal: one line redrawn in place (a bar, records/s and the
 * ETA from the file's size and the bytes read so far). Otherwise (a log, CI, a pipe): a plain
 * line every `intervalMs`, so that logs stay readable.
 */
export interface ProgressSnapshot {
  /** Bytes of the file read so far, and its size. */
  bytesRead: number;
  /** Where this run started reading for real (after what --resume skipped). */
  startBytes: number;
  size: number;
  /** Records sent and answered in this run. */
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  retries: number;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  mode: 'bar' | 'lines' | 'none';
  intervalMs: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  private readonly started = Date.now();
  /** The first plain line comes one interval in; the bar is drawn at once. */
  private last = Date.now();
  private drawn = false;

  constructor(private readonly options: ProgressOptions) {}

  /** Shows `snapshot` if it is time to (at most every 100 ms on a terminal). */
  update(snapshot: ProgressSnapshot, force = false): void {
    if (this.options.mode === 'none') return;
    const now = Date.now();
    const every = this.options.mode === 'bar' ? 100 : this.options.intervalMs;
    if (this.options.mode === 'bar' && !this.drawn) this.last = 0;
    if (!force && now - this.last < every) return;
    this.last = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? snapshot.records / elapsed : 0;
    const fraction = snapshot.size > 0 ? Math.min(1, snapshot.bytesRead / snapshot.size) : 1;
    const readThisRun = snapshot.bytesRead - snapshot.startBytes;
    const eta = readThisRun > 0 ? ((snapshot.size - snapshot.bytesRead) / readThisRun) * elapsed : Number.NaN;
    const percent = `${(fraction * 100).toFixed(fraction < 1 ? 1 : 0)}%`;
    const counts = `accepted ${int(snapshot.accepted)}  dup ${int(snapshot.duplicates)}  rejected ${int(snapshot.rejected)}${snapshot.retries ? `  retries ${snapshot.retries}` : ''}`;
    if (this.options.mode === 'bar') {
      const width = 24;
      const filled = Math.round(fraction * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent.padStart(6)}  ${int(snapshot.records)} records  ${int(rate)}/s  ETA ${duration(eta)}  ${counts}`;
      const columns = this.options.stream.columns ?? 120;
      this.options.stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
      this.drawn = true;
    } else {
      this.options.stream.write(`push: ${percent} of the file, ${int(snapshot.records)} records, ${int(rate)} records/s, ETA ${duration(eta)}; ${counts}\n`);
    }
  }

  /** Ends the redrawn line, so that what follows starts on a line of its own. */
  finish(): void {
    if (this.drawn) this.options.stream.write('\n');
    this.drawn = false;
  }

  /** A message between progress lines (a retry, a warning). */
  note(text: string): void {
    if (this.drawn) this.options.stream.write('\r\x1b[K');
    this.options.stream.write(`${text}\n`);
    if (this.drawn) this.last = 0;
  }
}
