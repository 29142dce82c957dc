/**
 * Terminology
 * - budget: how much cost (see cost.ts) one caller may spend per minute. Each caller has a
 *   bucket that holds at most a minute's budget and refills continuously at budget/60 a
 *   second; an operation takes its cost out of the bucket before it runs, or is refused with
 *   how long the bucket needs to hold that much again.
 * - caller key: `principal:<name>` for a signed-in principal, `client:<address>` for anonymous
 *   callers (one bucket per client address).
 *
 * The buckets live in process memory: a refusal happens before any SQL runs, and each hub
 * process behind a load balancer keeps its own buckets (a caller spread over N processes may
 * spend up to N budgets).
 */
export interface BudgetVerdict {
  readonly allowed: boolean;
  /** What is left in the bucket after this operation (or before it, when refused), rounded down. */
  readonly remaining: number;
  /** When refused: seconds until the bucket holds the cost again (at least 1). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets past this many are pruned of the full ones (callers idle for a minute or more). */
const PRUNE_ABOVE = 10_000;

export class CostBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Cost per caller per minute. */
    readonly perMinute: number,
  ) {}

  /** Takes `cost` from `key`'s bucket at `nowMs`, or refuses and takes nothing. */
  take(key: string, cost: number, nowMs: number): BudgetVerdict {
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: nowMs };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, nowMs - bucket.at) * rate);
    bucket.at = nowMs;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= PRUNE_ABOVE) this.prune(nowMs);
      this.buckets.set(key, bucket);
    }
    if (cost > bucket.tokens) {
      const retryAfterSeconds = Math.max(1, Math.ceil((Math.min(cost, this.perMinute) - bucket.tokens) / rate / 1000));
      return { allowed: false, remaining: Math.floor(bucket.tokens), retryAfterSeconds };
    }
    bucket.tokens -= cost;
    return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
  }

  private prune(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (nowMs - bucket.at) * (this.perMinute / 60_000) >= this.perMinute) this.buckets.delete(key);
    }
  }
}
