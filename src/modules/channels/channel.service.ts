import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, count, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { withinPath } from '../../platform/db/path.js';
import type { Principal } from '../../platform/auth/principal.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan } from '../../platform/auth/guard.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { units, unitsByCodes, type UnitRow } from '../units/index.js';
import { storable } from '../ingest/index.js';
import { appendAudit, audit, type AuditActor } from '../audit/index.js';
import { channels, type ChannelRow } from './channel.table.js';
import { Channel, ChannelQrCode, CreatedChannel } from './channel.type.js';
import { renderQr, submitPageUrl } from './channel.qr.js';
import type { CreateChannelInput } from './channel.input.js';

/**
 * Terminology
 * - channel token: the credential a channel's QR code carries, `ghc_` and 32 random bytes in
 *   base64url. It is looked up by its SHA-256 (256 random bits need no slow hash); the token is
 *   stored beside it so that the poster can be printed again (it hangs on a public notice
 *   board: a capability to submit to one community, not a secret). Rotating replaces both, so
 *   the old token stops working with the commit.
 * - resident: whoever presents a channel token. It may submit requests to that channel's
 *   community and nothing else.
 */
export const CHANNEL_TOKEN_PREFIX = 'ghc_';
const TOKEN_SHAPE = /^ghc_[A-Za-z0-9_-]{43}$/;
const MAX_NAME = 100;

function newChannelToken(): string {
  return `${CHANNEL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function channelTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `$within` on a channel is on its community's path (the joined unit). */
export const channelFields: FieldMap = {
  unitPath: { within: (path) => withinPath(units.path, path) },
};

function toChannel(row: ChannelRow, unit: Pick<UnitRow, 'path'>): Channel {
  return Object.assign(new Channel(), {
    id: row.id,
    name: row.name,
    active: row.revokedAt === null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    communityCode: row.communityCode,
    unitPath: unit.path,
  });
}

export function toChannelKey(channel: Channel): TimeKey {
  return { at: channel.createdAt, id: channel.id };
}

/** The unit a `communityCode` argument names, which must be a community. */
async function requireCommunity(db: Executor, code: string, field: string): Promise<UnitRow> {
  const unit = (await unitsByCodes(db, [code])).get(code);
  if (!unit) throw new BadUserInputError(`No unit has code ${code}`, field);
  if (unit.tier !== 'COMMUNITY') throw new BadUserInputError(`${unit.name} (${code}) is a ${unit.tier}; channels belong to communities`, field);
  return unit;
}

/**
 * A channel by id that the caller manages; NOT_FOUND when there is none or it lies outside the
 * caller's unit (FORBIDDEN first for a caller that manages no channel at all).
 */
export async function requireManagedChannel(ctx: RequestContext, id: string): Promise<Channel & { token: string | null }> {
  requireCan(ctx, 'manage', 'Channel');
  const [row] = isUuid(id)
    ? await ctx.db.select({ channel: channels, path: units.path }).from(channels).innerJoin(units, eq(units.code, channels.communityCode)).where(eq(channels.id, id))
    : [];
  if (!row) throw new NotFoundError('Channel', id);
  const channel = toChannel(row.channel, row);
  if (!ctx.ability.can('manage', subject('Channel', { ...channel }))) {
    ctx.ledger.denied({ operation: 'manageChannel', kind: 'Channel', recordId: id, reason: 'outside the unit of the caller' });
    throw new NotFoundError('Channel', id);
  }
  return Object.assign(channel, { token: row.channel.token });
}

export async function createChannel(ctx: RequestContext, input: CreateChannelInput): Promise<CreatedChannel> {
  requireCan(ctx, 'manage', 'Channel');
  const name = input.name.trim();
  if (name === '' || [...name].length > MAX_NAME || !storable(name)) {
    throw new BadUserInputError(`name must be 1 to ${MAX_NAME} characters of text`, 'input.name');
  }
  const community = await requireCommunity(ctx.db, input.communityCode, 'input.communityCode');
  if (!ctx.ability.can('manage', subject('Channel', { unitPath: community.path }))) {
    throw new ForbiddenError('manage', 'Channel', `Not allowed to manage the channels of ${community.name} (${community.code})`);
  }
  const token = newChannelToken();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(channels)
      .values({ communityCode: community.code, name, tokenHash: channelTokenHash(token), token, createdBy: ctx.principal.name, createdAt: ctx.hub.clock.now() })
      .returning();
    await audit(ctx, tx, { operation: 'createChannel', kind: 'Channel', recordIds: [inserted!.id], details: { communityCode: community.code, name } });
    return inserted!;
  });
  return Object.assign(new CreatedChannel(), { token, channel: toChannel(row, community) });
}

/** A new token for an active channel; the old one stops working when this commits. */
export async function rotateChannelToken(ctx: RequestContext, id: string): Promise<CreatedChannel> {
  const channel = await requireManagedChannel(ctx, id);
  const token = newChannelToken();
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(channels)
      .set({ tokenHash: channelTokenHash(token), token })
      .where(and(eq(channels.id, id), isNull(channels.revokedAt)))
      .returning();
    if (updated) await audit(ctx, tx, { operation: 'rotateChannelToken', kind: 'Channel', recordIds: [id], details: { communityCode: updated.communityCode } });
    return updated;
  });
  if (!row) throw new ConflictError(`Channel ${id} is revoked; create a new channel instead`, { active: false });
  return Object.assign(new CreatedChannel(), { token, channel: toChannel(row, { path: channel.unitPath }) });
}

/** Ends a channel for good: its token stops working when this commits. */
export async function revokeChannel(ctx: RequestContext, id: string): Promise<Channel> {
  const channel = await requireManagedChannel(ctx, id);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(channels)
      .set({ revokedAt: ctx.hub.clock.now() })
      .where(and(eq(channels.id, id), isNull(channels.revokedAt)))
      .returning();
    if (updated) await audit(ctx, tx, { operation: 'revokeChannel', kind: 'Channel', recordIds: [id], details: { communityCode: updated.communityCode } });
    return updated;
  });
  if (!row) throw new ConflictError(`Channel ${id} is already revoked`, { active: false });
  return toChannel(row, { path: channel.unitPath });
}

/** The QR code of a channel token on this hub: the submit-page URL under `publicUrl`, as SVG and PNG. */
export async function qrCodeOf(publicUrl: string, token: string): Promise<ChannelQrCode> {
  const url = submitPageUrl(publicUrl, token);
  const { svg, png } = await renderQr(url);
  return Object.assign(new ChannelQrCode(), { url, svg, pngDataUrl: `data:image/png;base64,${png.toString('base64')}` });
}

function needsRotation(id: string): ConflictError {
  return new ConflictError(`Channel ${id} was made before tokens were kept: rotate its token (rotateChannelToken) to print a new QR code`, { tokenStored: false });
}

/**
 * The poster of a channel the caller manages, again, without rotating: the stored token's QR
 * code. Audited (who printed which channel's code). CONFLICT for a revoked channel, and for
 * one made before tokens were kept (rotate it).
 */
export async function channelQrCode(ctx: RequestContext, id: string): Promise<ChannelQrCode> {
  const channel = await requireManagedChannel(ctx, id);
  if (!channel.active) throw new ConflictError(`Channel ${id} is revoked: its QR code no longer works`, { active: false });
  if (channel.token === null) throw needsRotation(id);
  const qr = await qrCodeOf(ctx.hub.config.publicUrl, channel.token);
  await audit(ctx, ctx.db, { operation: 'channelQrCode', kind: 'Channel', recordIds: [id], details: { communityCode: channel.communityCode, url: qr.url.replace(/#.*$/, '#…') } });
  return qr;
}

/** The channels the caller manages, newest first; `communityCode` narrows to one community. */
export async function listChannels(ctx: RequestContext, communityCode: string | null | undefined, args: PageArgs): Promise<Page<Channel>> {
  requireCan(ctx, 'manage', 'Channel');
  const page = pageRequest(args);
  const where: SQL[] = [abilityToSql(ctx.ability, 'manage', 'Channel', channelFields)];
  if (communityCode != null) where.push(eq(channels.communityCode, (await requireCommunity(ctx.db, communityCode, 'communityCode')).code));
  const scope = and(...where) as SQL;
  const keyset = keysetCondition(channels.createdAt, channels.id, page);
  const rows = await ctx.db
    .select({ channel: channels, path: units.path })
    .from(channels)
    .innerJoin(units, eq(units.code, channels.communityCode))
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(channels.createdAt, channels.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, (row) => toChannel(row.channel, row), async () => {
    const [row] = await ctx.db.select({ n: count() }).from(channels).innerJoin(units, eq(units.code, channels.communityCode)).where(scope);
    return Number(row?.n ?? 0);
  });
}

/**
 * The resident behind a channel token: a RESIDENT of the channel's community, proven by the
 * CHANNEL credential. UNAUTHENTICATED for a token that is malformed, unknown, replaced by a
 * rotation, or of a revoked channel.
 */
export async function residentFor(db: Executor, token: string): Promise<Principal> {
  const [row] = TOKEN_SHAPE.test(token)
    ? await db.select({ channel: channels, unit: units }).from(channels).innerJoin(units, eq(units.code, channels.communityCode)).where(eq(channels.tokenHash, channelTokenHash(token)))
    : [];
  if (!row) throw new UnauthenticatedError('Channel token not recognised: it is unknown, or the community has replaced it with a new QR code');
  if (row.channel.revokedAt) throw new UnauthenticatedError('Channel token revoked: this community channel is closed');
  const { channel, unit } = row;
  return {
    name: `channel:${channel.id}`,
    displayName: channel.name,
    kind: 'RESIDENT',
    roles: [],
    unit: { code: unit.code, name: unit.name, tier: unit.tier, path: unit.path },
    department: null,
    expiresAt: null,
    credential: { kind: 'CHANNEL', id: channel.id },
  };
}

// ---------------------------------------------------------------------------------------------
// `gridhub qr`: the operator of the hub prints posters without an admin's token.

/** A channel as `gridhub qr` prints it. */
interface PrintableChannel {
  channel: Channel;
  /** null: made before tokens were kept; it needs a rotation. */
  token: string | null;
  /** true: made by this run, the community having no active channel. */
  created: boolean;
}

/**
 * The active channels of a community (only `channelId` when given: a full id or its first 8+
 * characters), oldest first. A community with no active channel gets one, named
 * `<社区名>居民服务码`, with its audit entry (by `actorAt(community)`) in the same transaction.
 */
export async function printableChannels(
  db: Executor,
  communityCode: string,
  channelId: string | undefined,
  actorAt: (community: Pick<UnitRow, 'code' | 'path'>) => AuditActor,
  now: Date,
): Promise<PrintableChannel[]> {
  const community = await requireCommunity(db, communityCode, 'communityCode');
  const rows = await db.select().from(channels).where(and(eq(channels.communityCode, community.code), isNull(channels.revokedAt))).orderBy(channels.createdAt, channels.id);
  if (channelId !== undefined) {
    const wanted = channelId.toLowerCase();
    if (wanted.length < 8) throw new BadUserInputError('--channel needs a channel id or at least its first 8 characters', 'channel');
    const picked = rows.filter((row) => row.id.startsWith(wanted));
    if (picked.length === 0) throw new NotFoundError('Channel', `${channelId} (active, of ${community.name} ${community.code})`);
    return picked.map((row) => ({ channel: toChannel(row, community), token: row.token, created: false }));
  }
  if (rows.length > 0) return rows.map((row) => ({ channel: toChannel(row, community), token: row.token, created: false }));
  const token = newChannelToken();
  const name = `${community.name}居民服务码`;
  const row = await db.transaction(async (tx) => {
    const [inserted] = await tx.insert(channels).values({ communityCode: community.code, name, tokenHash: channelTokenHash(token), token, createdBy: actorAt(community).actor, createdAt: now }).returning();
    await appendAudit(tx, actorAt(community), now, [{ operation: 'createChannel', kind: 'Channel', recordIds: [inserted!.id], details: { communityCode: community.code, name } }]);
    return inserted!;
  });
  return [{ channel: toChannel(row, community), token, created: true }];
}
