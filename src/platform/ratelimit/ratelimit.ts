import { lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { RateLimitedError } from '../errors.js';
import { rateLimitCounters } from './ratelimit.table.js';

/**
 * Terminology
 * - bucket: what one counter counts, e.g. `channel:<id>` or `client:203.0.113.7`.
 * - window: a fixed span (`windowSeconds`) aligned on the epoch; a bucket's count starts again
 *   at each window's start. A burst across a boundary may reach twice the limit: the price of
 *   one row and one statement per check.
 */
export interface RateLimit {
  /** The bucket. */
  readonly bucket: string;
  /** Hits allowed per window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** What is limited, for the error message: e.g. `submissions from this address`. */
  readonly what: string;
}

interface RateVerdict {
  /** Hits in this window, this one included. */
  readonly hits: number;
  readonly allowed: boolean;
  /** Seconds until the window ends (at least 1). */
  readonly retryAfterSeconds: number;
}

/**
 * Counts one hit: `INSERT … ON CONFLICT DO UPDATE … RETURNING`, a single statement that every
 * hub process on the database serialises on the row. It commits on its own (outside the
 * caller's transaction), so refused attempts count too. The first hit of a window also
 * deletes every expired window (all buckets), so the table holds about one row per active bucket.
 */
export async function countHit(db: Executor, rule: RateLimit, now: Date): Promise<RateVerdict> {
  const windowMs = rule.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  const [row] = await db
    .insert(rateLimitCounters)
    .values({ bucket: rule.bucket, windowStart: new Date(start), hits: 1, expiresAt: new Date(start + windowMs) })
    .onConflictDoUpdate({ target: [rateLimitCounters.bucket, rateLimitCounters.windowStart], set: { hits: sql`${rateLimitCounters.hits} + 1` } })
    .returning({ hits: rateLimitCounters.hits });
  const hits = row?.hits ?? 1;
  if (hits === 1) await db.delete(rateLimitCounters).where(lt(rateLimitCounters.expiresAt, now));
  return { hits, allowed: hits <= rule.limit, retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now.getTime()) / 1000)) };
}

/** Counts a hit on each rule in turn and throws RATE_LIMITED at the first one over its limit (later rules are not counted). */
export async function enforceRateLimits(db: Executor, rules: readonly RateLimit[], now: Date): Promise<void> {
  for (const rule of rules) {
    const verdict = await countHit(db, rule, now);
    if (!verdict.allowed) throw new RateLimitedError(rule.what, rule.limit, rule.windowSeconds, verdict.retryAfterSeconds);
  }
}

/**
 * The address block a client address counts in: its /24 for IPv4 (`203.0.113.0/24`, IPv4-mapped
 * IPv6 included), its /64 for IPv6 (`2001:db8:1:2::/64`). One subscriber line or one attacker's
 * range gets one count, however many addresses it rotates through; anything unreadable counts
 * as itself.
 */
export function addressBlock(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  if (groups.length !== 8) return ip;
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
