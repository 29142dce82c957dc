import { and, asc, count, desc, eq, gt, gte, is, lt, sql, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/database.js';
import { withinPath } from '../../platform/db/path.js';
import type { RequestContext } from '../../platform/context.js';
import { homeOf, type Principal } from '../../platform/auth/principal.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { requireCan } from '../../platform/auth/guard.js';
import { BadUserInputError } from '../../platform/errors.js';
import { pageOf, pageRequest, type Page, type PageArgs, type PageRequest, type TimeKey } from '../../platform/graphql/connection.js';
import { auditLog, type AuditOutcomeName, type AuditRow } from './audit.table.js';
import { GENESIS_HASH, entryHash, type ChainedEntry } from './audit.chain.js';
import { AuditEntry } from './audit.type.js';
import { requireUnit } from '../units/index.js';
import type { AuditLogFilter } from './audit.input.js';

/** Arbitrary but fixed: one writer at a time extends the chain. */
export const AUDIT_LOCK_KEY = 7_320_614;

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

/**
 * Text as PostgreSQL will store it: NUL (which text and jsonb refuse) and lone surrogates
 * (which UTF-8 cannot encode, so the server would store U+FFFD) become U+FFFD. The hash must
 * cover exactly what the row holds, or verification would call an honest entry broken.
 */
function storableText(text: string): string {
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A JSON object as jsonb gives it back: through JSON (dates become strings, undefined goes), every string and key storable. */
function storableJson(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (typeof v === 'string') return storableText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).map(([k, inner]) => [storableText(k), inner]));
    return v;
  }) as Record<string, unknown>;
}

/** Cut to what a column should hold: purposes and reasons come from callers. */
function clip(text: string | null, max = 500): string | null {
  return text === null ? null : storableText([...text].slice(0, max).join(''));
}

/**
 * Appends entries to the chain. Run it inside the transaction of the write it records (no
 * write without its entry: a failure here fails that transaction); outside one it opens its
 * own. Writers take an advisory lock held until their transaction ends, so the chain never
 * forks; take it as late as possible. Three statements, however many entries.
 */
export async function appendAudit(db: Executor, actor: AuditActor, at: Date, drafts: readonly AuditDraft[]): Promise<void> {
  if (drafts.length === 0) return;
  // Inside the write's transaction, no savepoint of its own: an error rolls back the whole write anyway.
  const inTransaction = is(db, PgTransaction);
  const append = async (tx: Executor) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
    const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    let seq = last?.seq ?? 0;
    let prevHash = last?.hash ?? GENESIS_HASH;
    const when = new Date(Math.floor(at.getTime()));
    const rows = drafts.map((draft) => {
      const entry: ChainedEntry = {
        seq: ++seq,
        at: when,
        actor: storableText(actor.actor),
        actorKind: actor.actorKind,
        unitCode: actor.unitCode,
        unitPath: actor.unitPath,
        operation: storableText(draft.operation),
        outcome: draft.outcome ?? 'ALLOWED',
        kind: draft.kind == null ? null : storableText(draft.kind),
        recordIds: (draft.recordIds ?? []).map(storableText),
        fields: (draft.fields ?? []).map(storableText).sort(),
        purpose: clip(actor.purpose),
        details: storableJson(draft.details ?? {}),
        prevHash,
      };
      const hash = entryHash(entry);
      prevHash = hash;
      return { ...entry, hash };
    });
    await tx.insert(auditLog).values(rows);
  };
  if (inTransaction) await append(db);
  else await db.transaction(append);
}

/** One entry for what `ctx`'s caller did, in `db` (the write's own transaction). */
export function audit(ctx: RequestContext, db: Executor, ...drafts: AuditDraft[]): Promise<void> {
  return appendAudit(db, actorOf(ctx.principal, ctx.purpose), ctx.hub.clock.now(), drafts);
}

/**
 * How the CASL conditions on `AuditEntry` become SQL: `$within` is the path itself or a path
 * below it, a prefix match the `text_pattern_ops` index serves.
 */
/** Entries of actors working in the unit at `path` or below it. */
const withinAuditUnit = (path: string): SQL => withinPath(auditLog.unitPath, path);

const auditEntryFields: FieldMap = {
  unitPath: { within: withinAuditUnit },
};

function toAuditEntry(row: AuditRow): AuditEntry {
  return Object.assign(new AuditEntry(), row);
}

/**
 * A page's cursor names its last entry by (time, seq); the order and the keyset are seq alone
 * (the chain's order, which writers on several hubs agree on while their clocks may not).
 */
export function toAuditKey(entry: AuditEntry): TimeKey {
  return { at: entry.at, id: String(entry.seq) };
}

function seqOfCursor(page: PageRequest): number | undefined {
  const key = page.cursor;
  if (!key) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(key.id) || !Number.isSafeInteger(Number(key.id))) {
    throw new BadUserInputError(`${page.cursorArgument} is not a cursor this API gave out`, page.cursorArgument);
  }
  return Number(key.id);
}

async function filterSql(db: Executor, filter: AuditLogFilter | null | undefined): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.from) where.push(gte(auditLog.at, filter.from));
  if (filter.to) where.push(lt(auditLog.at, filter.to));
  if (filter.actor != null) where.push(eq(auditLog.actor, filter.actor));
  if (filter.operation != null) where.push(eq(auditLog.operation, filter.operation));
  if (filter.outcome != null) where.push(eq(auditLog.outcome, filter.outcome));
  if (filter.kind != null) where.push(eq(auditLog.kind, filter.kind));
  if (filter.unitCode != null) where.push(withinAuditUnit((await requireUnit(db, filter.unitCode)).path));
  if (filter.recordId != null) where.push(sql`${auditLog.recordIds} @> array[${filter.recordId}]::text[]`);
  return where;
}

/** Newest first; only entries within the auditor's unit, and the filter only narrows them. */
export async function listAuditLog(
  ctx: RequestContext,
  filter: AuditLogFilter | null | undefined,
  args: PageArgs,
): Promise<Page<AuditEntry>> {
  requireCan(ctx, 'read', 'AuditEntry');
  const page = pageRequest(args);
  const cursor = seqOfCursor(page);
  const scope = and(abilityToSql(ctx.ability, 'read', 'AuditEntry', auditEntryFields), ...(await filterSql(ctx.db, filter))) as SQL;
  const keyset = cursor === undefined ? undefined : page.backward ? gt(auditLog.seq, cursor) : lt(auditLog.seq, cursor);
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(page.backward ? asc(auditLog.seq) : desc(auditLog.seq))
    .limit(page.limit + 1);
  return pageOf(rows, page, toAuditEntry, async () => {
    const [row] = await ctx.db.select({ n: count() }).from(auditLog).where(scope);
    return Number(row?.n ?? 0);
  });
}

