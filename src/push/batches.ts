import type { Item } from './reader.js';
import type { Batch } from './sender.js';

/** Past this many bytes of input, a batch is sent even if it holds fewer than `batchSize` records. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

function emptyBatch(lastLine: number, end: number): Batch {
  return { items: [], records: [], sent: [], lastLine, end };
}

/** Cuts the items of a file into batches of `batchSize` items, or fewer when their records pass MAX_REQUEST_BYTES. */
export class Batcher {
  private batch: Batch;
  private bytes = 0;

  constructor(
    private readonly batchSize: number,
    lastLine: number,
    end: number,
  ) {
    this.batch = emptyBatch(lastLine, end);
  }

  /** Adds an item; returns the batches it completes, in order (none, one, or — when it would pass the byte limit — the one before it too). */
  add(item: Item): Batch[] {
    const full: Batch[] = [];
    // The hub reads request bodies of up to 10 MB: a batch of large records is cut short of that.
    const size = Math.max(0, item.end - this.batch.end);
    if (this.batch.records.length > 0 && this.bytes + size > MAX_REQUEST_BYTES) full.push(this.cut());
    this.bytes += size;
    if ('record' in item) {
      this.batch.sent.push(this.batch.items.length);
      this.batch.records.push(item.record);
    }
    this.batch.items.push(item);
    this.batch.lastLine = item.line;
    this.batch.end = item.end;
    if (this.batch.items.length >= this.batchSize) full.push(this.cut());
    return full;
  }

  /** The last batch: the end of the file (the last line may be blank or missing) is acknowledged with it. */
  last(fileSize: number): Batch {
    this.batch.end = fileSize;
    return this.batch;
  }

  private cut(): Batch {
    const done = this.batch;
    this.batch = emptyBatch(done.lastLine, done.end);
    this.bytes = 0;
    return done;
  }
}
