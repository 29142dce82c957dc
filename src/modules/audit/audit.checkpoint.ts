import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import type { Job } from '../../platform/scheduler.js';
import { ConfigError } from '../../config.js';
import { auditLog } from './audit.table.js';
import { GENESIS_HASH } from './audit.chain.js';
import type { ChainVerdict } from './audit.verify.js';

/**
 * Terminology
 * - checkpoint: the chain's head (the last entry's seq and hash) at a moment, signed with an
 *   Ed25519 key that is not in the database (`AUDIT_SIGNING_KEY`) and appended as one JSON line
 *   to a file outside it (`AUDIT_CHECKPOINT_FILE`). Whoever owns the database can rewrite the
 *   chain and recompute its hashes, or cut its newest entries; it cannot make the chain agree
 *   with a checkpoint it cannot sign again.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

/** The PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** AUDIT_SIGNING_KEY as a key: a PKCS#8 PEM, or the 32-byte seed in base64. */
export function signingKeyOf(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      key = createPrivateKey(trimmed);
    } else {
      const seed = Buffer.from(trimmed, 'base64');
      if (seed.length !== 32) throw new Error('not 32 bytes');
      key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
  } catch {
    throw new ConfigError('AUDIT_SIGNING_KEY must be an Ed25519 private key: PKCS#8 PEM, or its 32-byte seed in base64 (openssl rand -base64 32)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`AUDIT_SIGNING_KEY must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}

function signedText(seq: number, hash: string, at: string): Buffer {
  return Buffer.from(`gridhub audit checkpoint\n${seq}\n${hash}\n${at}`, 'utf8');
}

/** The chain's head now: its last entry's seq and hash (0 and the genesis hash when empty). */
async function headOf(db: Executor): Promise<{ seq: number; hash: string }> {
  const [last] = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  return last ?? { seq: 0, hash: GENESIS_HASH };
}

/** The checkpoints in a file, oldest first; a line that is not one is skipped. */
export function readCheckpoints(file: string): Checkpoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        const c = JSON.parse(line) as Checkpoint;
        return typeof c.seq === 'number' && typeof c.hash === 'string' && typeof c.at === 'string' && typeof c.signature === 'string' ? [c] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Signs the chain's head now and appends it to `file` (created with its folder), unless the
 * last checkpoint there already signs this head. Returns the checkpoint that stands.
 */
export async function writeCheckpoint(db: Executor, key: KeyObject, file: string, now: Date): Promise<Checkpoint> {
  const head = await headOf(db);
  const last = readCheckpoints(file).at(-1);
  if (last && last.seq === head.seq && last.hash === head.hash) return last;
  const at = now.toISOString();
  const checkpoint = { seq: head.seq, hash: head.hash, at, signature: sign(null, signedText(head.seq, head.hash, at), key).toString('base64') };
  mkdirSync(dirname(file), { recursive: true });
  // One short line written with O_APPEND: processes sharing the file never interleave it.
  appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o640 });
  return checkpoint;
}

export type CheckpointVerdict =
  | { ok: true; checkpoint: Checkpoint | null }
  | { ok: false; reason: string };

/**
 * The chain (already found intact by verifyAuditChain) against the latest checkpoint in `file`:
 * its signature must hold under `key`; the chain must reach its seq (else it was truncated) and
 * the entry there must carry its hash (else the chain was rewritten up to there and its hashes
 * recomputed).
 */
export async function checkAgainstCheckpoint(db: Executor, chain: Extract<ChainVerdict, { intact: true }>, key: KeyObject, file: string): Promise<CheckpointVerdict> {
  const checkpoint = readCheckpoints(file).at(-1);
  if (!checkpoint) return { ok: true, checkpoint: null };
  const publicKey = createPublicKey(key);
  if (!verify(null, signedText(checkpoint.seq, checkpoint.hash, checkpoint.at), publicKey, Buffer.from(checkpoint.signature, 'base64'))) {
    return { ok: false, reason: `the checkpoint of ${checkpoint.at} does not carry a valid signature for this key` };
  }
  if (chain.entries < checkpoint.seq) {
    return { ok: false, reason: `truncated: the chain ends at entry ${chain.entries}, the checkpoint of ${checkpoint.at} signed entry ${checkpoint.seq}` };
  }
  if (checkpoint.seq === 0) return { ok: true, checkpoint };
  const [row] = await db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, checkpoint.seq));
  if (row?.hash !== checkpoint.hash) {
    return { ok: false, reason: `rewritten: entry ${checkpoint.seq} hashes to ${row?.hash ?? 'nothing'}, the checkpoint of ${checkpoint.at} signed ${checkpoint.hash}` };
  }
  return { ok: true, checkpoint };
}

/** Every AUDIT_CHECKPOINT_SECONDS, when AUDIT_SIGNING_KEY is set: sign the head to the checkpoint file (and once at start). */
export const auditCheckpointJob: Job = {
  name: 'audit checkpoint',
  every: (config) => (config.audit.signingKey ? config.audit.checkpointSeconds : 0),
  atStart: true,
  run: async (hub) => {
    const { signingKey, checkpointFile } = hub.config.audit;
    if (!signingKey) return;
    await writeCheckpoint(hub.database.db, signingKeyOf(signingKey), checkpointFile, hub.clock.now());
  },
};
