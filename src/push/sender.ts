import type { Item } from './reader.js';
import { request, type ClientOptions } from './client.js';
import { asError, PushFatalError } from './outcome.js';

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
export interface ItemResult {
  status: string;
  error: { code: string; field: string | null; message: string } | null;
}

export interface Report {
  accepted: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  results: ItemResult[];
}

export interface Batch {
  items: Item[];
  records: Record<string, unknown>[];
  /** Positions in `items` of the records sent. */
  sent: number[];
  lastLine: number;
  end: number;
  report?: Report;
}

interface SenderOptions {
  client: ClientOptions;
  /** The ingest mutation's text, and the name its report comes under. */
  query: string;
  mutation: string;
  source: string;
  concurrency: number;
  signal?: AbortSignal | undefined;
  /** Called with the batches that extend the acknowledged prefix, in file order. */
  onAcknowledged: (batches: Batch[]) => void;
}

/** Sends batches, at most `concurrency` at once, and hands on the acknowledged prefix in order. */
export class Sender {
  private readonly queue: Batch[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The first error that stops the push. */
  fatal: Error | undefined;

  constructor(private readonly options: SenderOptions) {}

  /** Every batch dispatched has been acknowledged. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  fail(error: unknown): void {
    this.fatal ??= asError(error);
  }

  /** Queues a batch and sends it once fewer than `concurrency` are in flight; a batch with nothing to send is acknowledged at once. */
  async dispatch(batch: Batch): Promise<void> {
    this.queue.push(batch);
    if (batch.sent.length === 0) {
      this.advance();
      return;
    }
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    if (this.fatal || this.options.signal?.aborted) return;
    const promise = this.send(batch).finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  /** Waits for the batches in flight. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async send(batch: Batch): Promise<void> {
    const { client, query, mutation, source } = this.options;
    try {
      const data = await request<Record<string, Report>>(client, query, { input: { source, records: batch.records } });
      batch.report = data[mutation];
      if (!batch.report) throw new PushFatalError(`the hub's answer has no ${mutation}`);
      this.advance();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Moves the acknowledged prefix on. */
  private advance(): void {
    const acknowledged: Batch[] = [];
    while (this.queue[0] && (this.queue[0].report || this.queue[0].sent.length === 0)) {
      const batch = this.queue[0];
      const results = batch.report?.results.length ?? 0;
      if (batch.report && results !== batch.sent.length) {
        this.fail(new PushFatalError(`the hub answered ${results} results for a batch of ${batch.sent.length} records`));
        break;
      }
      acknowledged.push(this.queue.shift()!);
    }
    if (acknowledged.length > 0) this.options.onAcknowledged(acknowledged);
  }
}
