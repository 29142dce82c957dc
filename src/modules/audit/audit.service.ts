import { desc, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/context.js';
import { homeOf, type Principal } from '../../platform/auth/principal.js';
import { auditLog, type AuditOutcomeName } from './audit.table.js';
import { GENESIS_HASH, entryHash, type ChainedEntry } from './audit.chain.js';

/** Arbitrary but fixed: one writer at a time extends the chain. */
const AUDIT_LOCK_KEY = 7_320_614;

/** What a caller says about an event; who, where, when and the chain are filled in. */
export interface AuditDraft {
  operation: string;
  outcome?: AuditOutcomeName;
  kind?: string | null;
  recordIds?: readonly string[];
  fields?: readonly string[];
  details?: Record<string, unknown>;
}

export interface AuditActor {
  actor: string;
  actorKind: string;
  unitCode: string | null;
  unitPath: string | null;
  purpose: string | null;
}

export function actorOf(principal: Principal, purpose: string | undefined | null): AuditActor {
  const home = homeOf(principal);
  return {
    actor: principal.name,
    actorKind: principal.kind,
    unitCode: home?.code ?? null,
    unitPath: home?.path ?? null,
    purpose: purpose ?? null,
  };
}

/** Cut to what a column should hold: purposes and reasons come from callers. */
function clip(text: string | null, max = 500): string | null {
  return text === null ? null : [...text].slice(0, max).join('');
}

/**
 * Appends entries to the chain. Run it inside the transaction of the write it records (no
 * write without its entry); outside one it opens its own. Writers take an advisory lock held
 * until their transaction ends, so the chain never forks; take it as late as possible.
 */
export async function appendAudit(db: Executor, actor: AuditActor, at: Date, drafts: readonly AuditDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
    const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const when = new Date(Math.floor(at.getTime()));
    const rows = drafts.map((draft) => {
      const entry: ChainedEntry = {
        seq: ++seq,
        at: when,
        actor: actor.actor,
        actorKind: actor.actorKind,
        unitCode: actor.unitCode,
        unitPath: actor.unitPath,
        operation: draft.operation,
        outcome: draft.outcome ?? 'ALLOWED',
        kind: draft.kind ?? null,
        recordIds: [...(draft.recordIds ?? [])],
        fields: [...(draft.fields ?? [])].sort(),
        purpose: clip(actor.purpose),
        details: draft.details ?? {},
        prevHash,
      };
      const hash = entryHash(entry);
      prevHash = hash;
      return { ...entry, hash };
    });
    await tx.insert(auditLog).values(rows);
  });
}

/** One entry for what `ctx`'s caller did, in `db` (the write's own transaction). */
export function audit(ctx: RequestContext, db: Executor, ...drafts: AuditDraft[]): Promise<void> {
  return appendAudit(db, actorOf(ctx.principal, ctx.purpose), ctx.hub.clock.now(), drafts);
}
