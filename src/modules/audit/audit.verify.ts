import { asc, gt } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { auditLog } from './audit.table.js';
import { GENESIS_HASH, entryHash } from './audit.chain.js';

/**
 * Terminology
 * - intact: seq runs 1, 2, 3, … without a gap; each entry's prev_hash is the hash of the entry
 *   before it (64 zeros for the first); each hash is what its own columns give.
 * - head: the hash of the last entry; it stands for the whole chain up to there.
 */
export type ChainVerdict =
  | { intact: true; entries: number; head: string }
  | { intact: false; seq: number; reason: string; entries: number };

/** How many entries are read at a time: memory stays flat however long the chain is. */
export const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the chain in seq order, a page at a time, and stops at the first entry that is
 * missing, misplaced or altered. (Entries removed from the end leave an intact, shorter chain:
 * compare `entries` and `head` with a value recorded earlier to catch that.)
 */
export async function verifyAuditChain(db: Executor, pageSize = VERIFY_PAGE_SIZE): Promise<ChainVerdict> {
  let expected = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expected - 1))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    for (const row of rows) {
      if (row.seq !== expected) {
        const reason = expected === 1 ? `missing: the chain starts at entry ${row.seq}` : `missing: entry ${expected - 1} is followed by entry ${row.seq}`;
        return { intact: false, seq: expected, reason, entries: expected - 1 };
      }
      if (row.prevHash !== prevHash) {
        return { intact: false, seq: row.seq, reason: `prev_hash ${row.prevHash} is not the hash of entry ${row.seq - 1} (${prevHash})`, entries: expected - 1 };
      }
      const computed = entryHash(row);
      if (computed !== row.hash) {
        return { intact: false, seq: row.seq, reason: `hash ${row.hash} does not match the entry's contents (they hash to ${computed})`, entries: expected - 1 };
      }
      prevHash = row.hash;
      expected += 1;
    }
    if (rows.length < pageSize) return { intact: true, entries: expected - 1, head: prevHash };
  }
}

/** What `gridhub audit verify` prints. */
export function describeVerdict(verdict: ChainVerdict): string {
  return verdict.intact
    ? `audit chain verified: ${verdict.entries} entries, head ${verdict.head}`
    : `audit chain broken at entry ${verdict.seq}: ${verdict.reason}`;
}
