import { and, desc, eq, isNull, count, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { withinPath } from '../../platform/db/path.js';
import type { EventBus, Receipt, Topics } from '../../platform/pubsub/bus.js';
import type { Principal } from '../../platform/auth/principal.js';
import { subject } from '../../platform/auth/ability.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { requirePrincipal } from '../../platform/auth/guard.js';
import { apiKeyPrefix, generateApiKey, hashApiKey, isApiKeyShaped } from '../../platform/auth/api-key.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { departments, loadPrincipal, principals } from '../principals/index.js';
import { units } from '../units/index.js';
import { actorOf, appendAudit, type AuditActor, type AuditDraft } from '../audit/index.js';

import { apiKeys, type ApiKeyRow } from './apikey.table.js';
import { ApiKey, CreatedApiKey } from './apikey.type.js';
import type { CreateApiKeyInput } from './apikey.input.js';

/**
 * Terminology
 * - adapter: a principal of kind ADAPTER (a department's system); only adapters get keys.
 * - jurisdiction: the unit of the adapter's department; an admin manages the keys of adapters
 *   whose jurisdiction lies within the admin's unit (apikey.policy.ts).
 * - operator: who changes keys — a principal through the API, or `cli:<user>` through the
 *   `gridhub apikey` command. Every change is written to the audit log in its own transaction.
 */

export interface KeyAdapter {
  name: string;
  jurisdictionCode: string | null;
  jurisdictionPath: string | null;
}

/** A key row with where its adapter's jurisdiction lies. */
interface KeyRecord {
  key: ApiKeyRow;
  jurisdictionCode: string | null;
  jurisdictionPath: string | null;
}

/** Who changes a key, and the audit entry's actor (which may depend on the adapter). */
export interface KeyOperator {
  name: string;
  now: Date;
  actor: (adapter: KeyAdapter) => AuditActor;
  bus: EventBus<Topics>;
}

const MAX_LABEL = 200;

function toApiKey(row: ApiKeyRow): ApiKey {
  return Object.assign(new ApiKey(), {
    id: row.id,
    adapter: row.principalName,
    prefix: row.prefix,
    label: row.label,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
  });
}

export function toApiKeyKey(key: ApiKey): TimeKey {
  return { at: key.createdAt, id: key.id };
}

/** Principal names are short text; anything else names no one and is never sent to SQL. */
function plausibleName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !name.includes('\u0000');
}

/** A unit path and everything below it, over `units.path` (text_pattern_ops index). */
function unitPathWithin(path: string): SQL {
  return withinPath(units.path, path);
}

/** How the CASL conditions on `ApiKey` become SQL over api_keys joined to the jurisdiction. */
const apiKeyFields: FieldMap = {
  jurisdictionPath: { within: unitPathWithin },
  adapter: { column: apiKeys.principalName },
};

function withJurisdiction(db: Executor) {
  return db
    .select({ key: apiKeys, jurisdictionCode: units.code, jurisdictionPath: units.path })
    .from(apiKeys)
    .leftJoin(principals, eq(principals.name, apiKeys.principalName))
    .leftJoin(departments, eq(departments.code, principals.departmentCode))
    .leftJoin(units, eq(units.code, departments.jurisdictionCode));
}

export function cleanLabel(label: string | null | undefined): string | null {
  if (label === null || label === undefined) return null;
  const trimmed = label.trim();
  if (trimmed === '') return null;
  if ([...trimmed].length > MAX_LABEL) throw new BadUserInputError(`label is longer than ${MAX_LABEL} characters`, 'label');
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new BadUserInputError('label must not contain control characters', 'label');
  return trimmed;
}

/** The adapter a key is for: NOT_FOUND for no such principal, BAD_USER_INPUT for one that is not an adapter. */
export async function findAdapter(db: Executor, name: string): Promise<KeyAdapter> {
  const [row] = plausibleName(name)
    ? await db
        .select({ name: principals.name, kind: principals.kind, jurisdictionCode: units.code, jurisdictionPath: units.path })
        .from(principals)
        .leftJoin(departments, eq(departments.code, principals.departmentCode))
        .leftJoin(units, eq(units.code, departments.jurisdictionCode))
        .where(eq(principals.name, name))
    : [];
  if (!row) throw new NotFoundError('Adapter', name);
  if (row.kind !== 'ADAPTER') {
    throw new BadUserInputError(`${name} is a ${row.kind.toLowerCase()}, not an adapter: API keys are for adapters only (people use bearer tokens)`, 'adapter');
  }
  return { name: row.name, jurisdictionCode: row.jurisdictionCode, jurisdictionPath: row.jurisdictionPath };
}

function keyDraft(operation: 'createApiKey' | 'revokeApiKey', row: ApiKeyRow): AuditDraft {
  return { operation, kind: 'ApiKey', recordIds: [row.id], details: { adapter: row.principalName, prefix: row.prefix } };
}

/** Makes a key for `adapter`; the row and its audit entry are written in one transaction. */
export async function issueKey(db: Executor, adapter: KeyAdapter, label: string | null, operator: KeyOperator): Promise<{ key: string; row: ApiKeyRow }> {
  const made = generateApiKey();
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(apiKeys)
      .values({ principalName: adapter.name, prefix: made.prefix, keyHash: made.hash, label, createdBy: operator.name, createdAt: operator.now })
      .returning();
    if (!inserted) throw new Error('api key insert returned no row');
    await appendAudit(tx, operator.actor(adapter), operator.now, [keyDraft('createApiKey', inserted)]);
    return inserted;
  });
  return { key: made.key, row };
}

/**
 * Revokes a key: marks it, tells every hub process (`accessChanged`, delivered on commit, so
 * open WebSockets that presented it close with 4401), and writes the audit entry — one
 * transaction. Returns null when it was already revoked.
 */
export async function revokeKey(db: Executor, record: KeyRecord, operator: KeyOperator): Promise<ApiKeyRow | null> {
  const adapter: KeyAdapter = { name: record.key.principalName, jurisdictionCode: record.jurisdictionCode, jurisdictionPath: record.jurisdictionPath };
  let receipt: Receipt | undefined;
  const revoked = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(apiKeys)
      .set({ revokedAt: operator.now, revokedBy: operator.name })
      .where(and(eq(apiKeys.id, record.key.id), isNull(apiKeys.revokedAt)))
      .returning();
    if (!updated) return null;
    const event: Topics['accessChanged'] = { apiKeyId: updated.id };
    receipt = await operator.bus.publish(tx, 'accessChanged', event);
    await appendAudit(tx, operator.actor(adapter), operator.now, [keyDraft('revokeApiKey', updated)]);
    return updated;
  });
  if (receipt) await operator.bus.delivered(receipt);
  return revoked;
}

async function keyById(db: Executor, id: string): Promise<KeyRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await withJurisdiction(db).where(eq(apiKeys.id, id));
  return row;
}

/**
 * The keys a CLI argument names: an id, the whole key, or its 12-character prefix (which
 * may, very rarely, name more than one).
 */
export async function keysNamedBy(db: Executor, reference: string): Promise<KeyRecord[]> {
  if (isUuid(reference)) return withJurisdiction(db).where(eq(apiKeys.id, reference));
  if (isApiKeyShaped(reference)) return withJurisdiction(db).where(eq(apiKeys.keyHash, hashApiKey(reference)));
  if (/^ghk_[A-Za-z0-9_-]{8}$/.test(reference)) return withJurisdiction(db).where(eq(apiKeys.prefix, reference)).orderBy(desc(apiKeys.createdAt));
  return [];
}

/** Every key (of one adapter, when named), newest first: for the CLI, which has no scope. */
export async function allKeys(db: Executor, adapter: string | undefined): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(adapter === undefined ? undefined : eq(apiKeys.principalName, adapter))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

// ---- Through the API: the caller's ability decides. ----

const MANAGE = 'manage';
const SUBJECT = 'ApiKey';

function requireKeyManager(ctx: RequestContext): Principal {
  const principal = requirePrincipal(ctx);
  if (!ctx.ability.can(MANAGE, SUBJECT)) {
    throw new ForbiddenError(MANAGE, SUBJECT, 'Only an admin manages API keys, for adapters within their unit');
  }
  return principal;
}

function operatorOf(ctx: RequestContext, principal: Principal): KeyOperator {
  return { name: principal.name, now: ctx.hub.clock.now(), actor: () => actorOf(principal, ctx.purpose), bus: ctx.hub.bus };
}

export async function createApiKey(ctx: RequestContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const principal = requireKeyManager(ctx);
  const label = cleanLabel(input.label);
  const adapter = await findAdapter(ctx.db, input.adapter);
  if (!ctx.ability.can(MANAGE, subject(SUBJECT, { adapter: adapter.name, jurisdictionPath: adapter.jurisdictionPath }))) {
    throw new ForbiddenError(
      MANAGE,
      SUBJECT,
      `Not allowed to manage API keys of ${adapter.name}: its jurisdiction ${adapter.jurisdictionCode ?? '(none)'} is not within your unit ${principal.unit?.code ?? ''}`.trim(),
    );
  }
  const { key, row } = await issueKey(ctx.db, adapter, label, operatorOf(ctx, principal));
  return Object.assign(new CreatedApiKey(), { key, apiKey: toApiKey(row) });
}

/** Revokes a key the caller manages; NOT_FOUND for one it does not (whether or not it exists). */
export async function revokeApiKey(ctx: RequestContext, id: string): Promise<ApiKey> {
  const principal = requireKeyManager(ctx);
  const record = await keyById(ctx.db, id);
  const visible = record && ctx.ability.can(MANAGE, subject(SUBJECT, { adapter: record.key.principalName, jurisdictionPath: record.jurisdictionPath }));
  if (!record || !visible) throw new NotFoundError('ApiKey', id);
  const revoked = await revokeKey(ctx.db, record, operatorOf(ctx, principal));
  if (!revoked) {
    const current = (await keyById(ctx.db, id))?.key ?? record.key;
    throw new ConflictError(`API key ${current.prefix} was already revoked${current.revokedBy ? ` by ${current.revokedBy}` : ''}`, {
      revokedAt: current.revokedAt?.toISOString() ?? null,
      revokedBy: current.revokedBy,
    });
  }
  return toApiKey(revoked);
}

/** One key the caller manages, as `apiKeys` lists it; NOT_FOUND otherwise (FORBIDDEN for a caller who manages none). */
export async function getApiKey(ctx: RequestContext, id: string): Promise<ApiKey> {
  requireKeyManager(ctx);
  const record = await keyById(ctx.db, id);
  const visible = record && ctx.ability.can(MANAGE, subject(SUBJECT, { adapter: record.key.principalName, jurisdictionPath: record.jurisdictionPath }));
  if (!record || !visible) throw new NotFoundError('ApiKey', id);
  return toApiKey(record.key);
}

/** The keys the caller manages, newest first; `adapter` narrows (NOT_FOUND when no such adapter). */
export async function listApiKeys(
  ctx: RequestContext,
  adapter: string | null | undefined,
  args: PageArgs,
): Promise<Page<ApiKey>> {
  requireKeyManager(ctx);
  const page = pageRequest(args);
  const narrowed = adapter === null || adapter === undefined ? undefined : (await findAdapter(ctx.db, adapter)).name;
  const scope = and(abilityToSql(ctx.ability, MANAGE, SUBJECT, apiKeyFields), narrowed === undefined ? undefined : eq(apiKeys.principalName, narrowed)) as SQL;
  const keyset = keysetCondition(apiKeys.createdAt, apiKeys.id, page);
  const rows = await withJurisdiction(ctx.db)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(apiKeys.createdAt, apiKeys.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, (r) => toApiKey(r.key), async () => {
    const [row] = await ctx.db
      .select({ n: count() })
      .from(apiKeys)
      .leftJoin(principals, eq(principals.name, apiKeys.principalName))
      .leftJoin(departments, eq(departments.code, principals.departmentCode))
      .leftJoin(units, eq(units.code, departments.jurisdictionCode))
      .where(scope);
    return Number(row?.n ?? 0);
  });
}

// ---- Authentication ----

/**
 * The adapter behind an API key, looked up in the database on every request (so a revocation
 * holds at once on every hub process). UNAUTHENTICATED (HTTP 401) when the key is malformed,
 * unknown or revoked, or its adapter is disabled.
 */
export async function principalForApiKey(db: Executor, key: string): Promise<Principal> {
  if (!isApiKeyShaped(key)) throw new UnauthenticatedError('Malformed API key: expected "ghk_" followed by 43 characters', 401);
  const [row] = await db
    .select({ id: apiKeys.id, principalName: apiKeys.principalName, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashApiKey(key)));
  if (!row) throw new UnauthenticatedError('Unknown API key', 401);
  if (row.revokedAt) throw new UnauthenticatedError(`API key ${apiKeyPrefix(key)}… has been revoked`, 401);
  const principal = await loadPrincipal(db, row.principalName, null);
  if (principal.kind !== 'ADAPTER') throw new UnauthenticatedError('API keys authenticate adapters only', 401);
  return { ...principal, credential: { kind: 'API_KEY', id: row.id } };
}
