import { randomInt } from 'node:crypto';
import { publishIds } from '../../platform/pubsub/bus.js';
import { and, count, eq, gte, inArray, isNotNull, isNull, lt, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { geoSql } from '../../platform/db/geo.js';
import { placementOf, withinPlacement } from '../../platform/db/placement.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan } from '../../platform/auth/guard.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { addressBlock, countHit, enforceRateLimits, type RateLimit } from '../../platform/ratelimit/ratelimit.js';
import { invariant } from '../../platform/invariant.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { maskedFields, personalPoint, personalText, personalValue, seesInFull } from '../../platform/privacy/personal.js';
import { requireUnit, units } from '../units/index.js';
import { residentFor } from '../channels/index.js';
import { storable } from '../ingest/index.js';
import { appendAudit, audit } from '../audit/index.js';
import { residentRequests, type NewResidentRequestRow, type ResidentRequestRow } from './request.table.js';
import { PublicChannel, PublicUnit, ResidentRequest, SubmittedRequest, TrackedRequest } from './request.type.js';
import { REQUEST_LIMITS, type ResidentRequestFilter, type SubmitResidentRequestInput } from './request.input.js';
import { caseLinkOf } from './request.hooks.js';
import { RESIDENT_REQUEST_MASKS, RESIDENT_REQUEST_PERSONAL_FIELDS, type RequestPersonalField } from './request.policy.js';

/**
 * Terminology
 * - tracking code: the resident's only handle on a request. 12 characters drawn uniformly
 *   (crypto) from 30 that cannot be mistaken for one another (no 0/O, 1/I/L, U): about 59 bits,
 *   so codes cannot be guessed, yet read aloud over the phone.
 */
const TRACKING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const TRACKING_CODE_LENGTH = 12;
const TRACKING_CODE = new RegExp(`^[${TRACKING_ALPHABET}]{${TRACKING_CODE_LENGTH}}$`);

export function newTrackingCode(random: (max: number) => number = randomInt): string {
  return Array.from({ length: TRACKING_CODE_LENGTH }, () => TRACKING_ALPHABET[random(TRACKING_ALPHABET.length)]).join('');
}

/** What a resident typed, as stored: upper case, without spaces or dashes; undefined if it cannot be a code. */
export function normalizeTrackingCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return TRACKING_CODE.test(code) ? code : undefined;
}

/** How the CASL conditions on `ResidentRequest` become SQL; `type` is the category. */
export const requestFields: FieldMap = {
  unitPath: { within: withinPlacement(residentRequests) },
  type: { column: residentRequests.category },
  status: { column: residentRequests.status },
};

export function toResidentRequest(row: ResidentRequestRow): ResidentRequest {
  return Object.assign(new ResidentRequest(), {
    id: row.id,
    trackingCode: row.trackingCode,
    category: row.category,
    text: row.text,
    photoUrl: row.photoUrl,
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    status: row.status,
    reply: row.reply,
    repliedAt: row.repliedAt,
    satisfaction: row.satisfaction,
    ratedAt: row.ratedAt,
    ratingComment: row.ratingComment,
    submittedAt: row.submittedAt,
    receivedAt: row.receivedAt,
    closedAt: row.closedAt,
    heldAt: row.heldAt,
    source: row.source,
    externalId: row.externalId,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
    personal: { address: row.address, contactName: row.contactName, contactPhone: row.contactPhone },
  });
}

export function toRequestKey(request: ResidentRequest): TimeKey {
  return { at: request.submittedAt, id: request.id };
}

/** The request as a CASL subject. */
export function subjectOf(request: Pick<ResidentRequest, 'id' | 'unitPath' | 'category' | 'status'>) {
  return { id: request.id, unitPath: request.unitPath, type: request.category, status: request.status };
}

// ---------------------------------------------------------------------------------------------
// Residents: submit with a channel token, track with the code. Public: no Authorization needed.

type Submission = Omit<NewResidentRequestRow, 'trackingCode' | 'channelId' | 'source' | 'externalId' | 'submittedAt' | keyof ReturnType<typeof placementOf>>;

/** One field of a submission at fault: its path in the GraphQL input (`input.text`) and why. */
interface InputProblem {
  field: string;
  message: string;
}

/** Checks every field on its own: what would be stored, and every field at fault (in input order). */
function readSubmission(input: SubmitResidentRequestInput): { submission: Submission; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const fault = (field: string, message: string) => void problems.push({ field: `input.${field}`, message });
  const optionalText = (value: string | null | undefined, field: string, max: number): string | null => {
    const text = value?.trim() ?? '';
    if (text === '') return null;
    if ([...text].length > max) fault(field, `${field} is longer than ${max} characters`);
    else if (!storable(text)) fault(field, `${field} holds a NUL character or a broken UTF-16 surrogate`);
    else return text;
    return null;
  };

  const text = optionalText(input.text, 'text', REQUEST_LIMITS.text);
  if (text === null && !problems.some((p) => p.field === 'input.text')) fault('text', 'text must not be empty');

  const photoUrl = optionalText(input.photoUrl, 'photoUrl', REQUEST_LIMITS.photoUrl);
  if (photoUrl !== null) {
    const url = URL.canParse(photoUrl) ? new URL(photoUrl) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fault('photoUrl', 'photoUrl must be an http:// or https:// link');
    else if (url.username || url.password) fault('photoUrl', 'photoUrl must not carry a user name or password');
  }

  const location = input.location ?? null;
  if (location) {
    if (!(location.lat >= -90 && location.lat <= 90)) fault('location.lat', 'lat must be within -90..90');
    if (!(location.lng >= -180 && location.lng <= 180)) fault('location.lng', 'lng must be within -180..180');
  }

  const address = optionalText(input.address, 'address', REQUEST_LIMITS.address);
  const contactName = optionalText(input.contactName, 'contactName', REQUEST_LIMITS.contactName);
  const phone = optionalText(input.contactPhone, 'contactPhone', 40)?.replace(/[\s\-()]/g, '') ?? null;
  const { min, max } = REQUEST_LIMITS.phoneDigits;
  if (phone !== null && !new RegExp(`^\\+?\\d{${min},${max}}$`).test(phone)) {
    fault('contactPhone', `contactPhone must be ${min} to ${max} digits (a leading + is allowed)`);
  }
  const submission = { category: input.category, text: text ?? '', photoUrl, lat: location?.lat ?? null, lng: location?.lng ?? null, address, contactName, contactPhone: phone };
  return { submission, problems };
}

/**
 * Every field of a submission at fault, each named by its path in the GraphQL input; empty when
 * the submission can be stored. For facades that report all faults at once (Open311);
 * `submitResidentRequest` itself answers the first.
 */
export function submissionProblems(input: SubmitResidentRequestInput): InputProblem[] {
  return readSubmission(input).problems;
}

/** Every field checked on its own; the first one at fault is named in `extensions.field`. */
function checkSubmission(input: SubmitResidentRequestInput): Submission {
  const { submission, problems } = readSubmission(input);
  const [first] = problems;
  if (first) throw new BadUserInputError(first.message, first.field);
  return submission;
}

/**
 * The limits on what residents do (src/platform/ratelimit), so that spam cannot close a channel:
 * - per address block (a /24 of IPv4, a /64 of IPv6: one household's or one attacker's range,
 *   not a single address they can rotate within): RESIDENT_RATE_PER_CLIENT submissions, and
 *   ratings of unknown codes, per 10 minutes; past it RATE_LIMITED.
 * - per channel, a soft limit: past RESIDENT_RATE_PER_CHANNEL submissions in an hour, a
 *   submission is still kept but held for staff review (heldAt), never refused.
 * - a resident with a tracking code that names a request can always follow it up (status,
 *   rating): that counts against nothing.
 * A context without a client (made in-process) has no per-block limit.
 */
function clientLimit(ctx: RequestContext): RateLimit[] {
  if (!ctx.client) return [];
  const block = addressBlock(ctx.client.ip);
  return [{ bucket: `resident-block:${block}`, limit: ctx.hub.config.residentRatePerClient, windowSeconds: 600, what: `resident submissions and ratings from the address block ${block}` }];
}

function channelLimit(ctx: RequestContext, channelId: string): RateLimit {
  return { bucket: `resident-channel:${channelId}`, limit: ctx.hub.config.residentRatePerChannel, windowSeconds: 3600, what: 'submissions to this community channel' };
}

/**
 * Counts one submission attempt through a channel against the client's and the channel's
 * limits: RATE_LIMITED over either. `submitResidentRequest` counts its own attempts; a facade
 * that refuses an attempt before calling it (Open311) counts it here, so that every attempt
 * counts once, valid or not.
 */
export async function countSubmission(ctx: RequestContext, channelId: string): Promise<{ held: boolean }> {
  const now = ctx.hub.clock.now();
  await enforceRateLimits(ctx.db, clientLimit(ctx), now);
  const verdict = await countHit(ctx.db, channelLimit(ctx, channelId), now);
  return { held: !verdict.allowed };
}

/**
 * A resident's request, placed at the channel's community. The channel token is the credential
 * (UNAUTHENTICATED when it is not one); then the rate limits count the attempt (RATE_LIMITED,
 * the client's limit first); then each field is checked (BAD_USER_INPUT). The request is
 * written, with its audit entry (actor: the resident), in one transaction.
 */
export async function submitResidentRequest(ctx: RequestContext, channelToken: string, input: SubmitResidentRequestInput): Promise<SubmittedRequest> {
  const resident = await ctx.actingAs(await residentFor(ctx.db, channelToken));
  const { unit } = resident.principal;
  const channelId = resident.principal.credential.id;
  invariant(unit && channelId, 'a resident has a community and a channel');
  if (!resident.ability.can('submit', subject('ResidentRequest', { unitPath: unit.path }))) throw new ForbiddenError('submit', 'ResidentRequest');
  const { held } = await countSubmission(ctx, channelId);
  const submission = checkSubmission(input);
  const submittedAt = ctx.hub.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    // A repeated code (about 1 in 10^17 per pair) is drawn again rather than failing the request.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [inserted] = await tx
        .insert(residentRequests)
        .values({ ...submission, trackingCode: newTrackingCode(), channelId, submittedAt, receivedAt: submittedAt, heldAt: held ? submittedAt : null, ...placementOf(unit.path) })
        .onConflictDoNothing({ target: residentRequests.trackingCode })
        .returning();
      if (inserted) {
        await audit(resident, tx, { operation: 'submitResidentRequest', kind: 'ResidentRequest', recordIds: [inserted.id], details: { category: inserted.category, channelId, held } });
        // A held request is heard live once staff release it.
        if (!held) await publishIds(ctx.hub.bus, tx, 'residentRequestSubmitted', [inserted.id]);
        return inserted;
      }
    }
    throw new Error('no free tracking code after 3 draws');
  });
  return Object.assign(new SubmittedRequest(), { trackingCode: row.trackingCode, status: row.status, submittedAt: row.submittedAt, heldForReview: row.heldAt !== null });
}

/** What the holder of a tracking code may see; NOT_FOUND for any code that names no request. */
export async function trackResidentRequest(db: Executor, trackingCode: string): Promise<TrackedRequest> {
  const code = normalizeTrackingCode(trackingCode);
  const [row] = code
    ? await db
        .select({
          trackingCode: residentRequests.trackingCode,
          category: residentRequests.category,
          status: residentRequests.status,
          submittedAt: residentRequests.submittedAt,
          reply: residentRequests.reply,
          repliedAt: residentRequests.repliedAt,
          closedAt: residentRequests.closedAt,
          satisfaction: residentRequests.satisfaction,
          unitCode: units.code,
          unitName: units.name,
        })
        .from(residentRequests)
        .innerJoin(units, eq(units.code, residentRequests.unitCode))
        .where(eq(residentRequests.trackingCode, code))
    : [];
  if (!row) throw new NotFoundError('ResidentRequest', trackingCode);
  const { unitCode, unitName, ...tracked } = row;
  return Object.assign(new TrackedRequest(), {
    ...tracked,
    canRate: tracked.status === 'CLOSED' && tracked.satisfaction === null,
    unit: Object.assign(new PublicUnit(), { code: unitCode, name: unitName }),
  });
}

/** What the submit page shows before a resident writes: the channel's name and community. UNAUTHENTICATED for a token that does not work. */
export async function residentChannel(db: Executor, channelToken: string): Promise<PublicChannel> {
  const resident = await residentFor(db, channelToken);
  invariant(resident.unit, 'a resident has a community');
  return Object.assign(new PublicChannel(), { name: resident.displayName, community: Object.assign(new PublicUnit(), { code: resident.unit.code, name: resident.unit.name }) });
}

export const RATING_LIMITS = { min: 1, max: 5, comment: 500 } as const;

/**
 * The resident's satisfaction with a CLOSED request, once: 1 to 5 and an optional comment (at
 * most 500 characters). The holder of the tracking code is the resident. The client's rate
 * limit counts the attempt first. One transaction writes the rating, the rating of the case
 * opened from the request (so caseKpis' averageSatisfaction includes it) and the audit entry
 * (actor: the request's channel). NOT_FOUND for an unknown code; CONFLICT before the request
 * is closed and once it is rated.
 */
export async function rateResidentRequest(ctx: RequestContext, trackingCode: string, satisfaction: number, comment: string | null | undefined): Promise<TrackedRequest> {
  const code = normalizeTrackingCode(trackingCode);
  // The holder of a real code is never limited; guessing codes counts against the address block.
  const [known] = code ? await ctx.db.select({ id: residentRequests.id }).from(residentRequests).where(eq(residentRequests.trackingCode, code)) : [];
  if (!known) await enforceRateLimits(ctx.db, clientLimit(ctx), ctx.hub.clock.now());
  if (!Number.isInteger(satisfaction) || satisfaction < RATING_LIMITS.min || satisfaction > RATING_LIMITS.max) {
    throw new BadUserInputError(`satisfaction must be a whole number from ${RATING_LIMITS.min} to ${RATING_LIMITS.max}`, 'satisfaction');
  }
  const text = comment?.trim() ?? '';
  if ([...text].length > RATING_LIMITS.comment) throw new BadUserInputError(`comment is longer than ${RATING_LIMITS.comment} characters`, 'comment');
  if (!storable(text)) throw new BadUserInputError('comment holds a NUL character or a broken UTF-16 surrogate', 'comment');
  const link = caseLinkOf(ctx.hub);
  const now = ctx.hub.clock.now();
  await ctx.db.transaction(async (tx) => {
    const [row] = code ? await tx.select().from(residentRequests).where(eq(residentRequests.trackingCode, code)).for('update') : [];
    if (!row) throw new NotFoundError('ResidentRequest', trackingCode);
    if (row.status !== 'CLOSED') throw new ConflictError(`Request ${row.trackingCode} is ${row.status}: it can be rated once it is closed`, { status: row.status, canRate: false });
    if (row.satisfaction !== null) throw new ConflictError(`Request ${row.trackingCode} was already rated`, { status: row.status, canRate: false });
    await tx.update(residentRequests).set({ satisfaction, ratedAt: now, ratingComment: text === '' ? null : text }).where(eq(residentRequests.id, row.id));
    const linked = await link.caseOf(tx, row.id);
    if (linked) await link.rateCase(tx, linked.id, satisfaction);
    const actor = { actor: row.channelId ? `channel:${row.channelId}` : `source:${row.source}`, actorKind: 'RESIDENT', unitCode: row.unitCode, unitPath: row.unitPath, purpose: null };
    await appendAudit(tx, actor, now, [
      { operation: 'rateResidentRequest', kind: 'ResidentRequest', recordIds: [row.id, ...(linked ? [linked.id] : [])], details: { satisfaction, commented: text !== '', caseId: linked?.id ?? null } },
    ]);
  });
  return trackResidentRequest(ctx.db, trackingCode);
}

// ---------------------------------------------------------------------------------------------
// Staff: the requests within their scope, personal fields masked unless they own them.

async function filterSql(db: Executor, filter: ResidentRequestFilter | null | undefined): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(residentRequests)((await requireUnit(db, filter.unitCode)).path));
  if (filter.categories) where.push(inArray(residentRequests.category, filter.categories));
  if (filter.statuses) where.push(inArray(residentRequests.status, filter.statuses));
  if (filter.held === true) where.push(isNotNull(residentRequests.heldAt));
  if (filter.held === false) where.push(isNull(residentRequests.heldAt));
  if (filter.from) where.push(gte(residentRequests.submittedAt, filter.from));
  if (filter.to) where.push(lt(residentRequests.submittedAt, filter.to));
  if (filter.receivedFrom) where.push(gte(residentRequests.receivedAt, filter.receivedFrom));
  if (filter.receivedTo) where.push(lt(residentRequests.receivedAt, filter.receivedTo));
  where.push(...geoSql(residentRequests, filter));
  return where;
}

/** Newest first; the caller's scope is part of the SQL, and the filter only narrows it. */
export async function listResidentRequests(
  ctx: RequestContext,
  filter: ResidentRequestFilter | null | undefined,
  args: PageArgs,
): Promise<Page<ResidentRequest>> {
  requireCan(ctx, 'read', 'ResidentRequest');
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'ResidentRequest', requestFields), ...(await filterSql(db, filter))) as SQL;
  const keyset = keysetCondition(residentRequests.submittedAt, residentRequests.id, page);
  const rows = await db
    .select()
    .from(residentRequests)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(residentRequests.submittedAt, residentRequests.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, toResidentRequest, async () => {
    const [row] = await db.select({ n: count() }).from(residentRequests).where(scope);
    return Number(row?.n ?? 0);
  });
}

/**
 * One request the caller may read; otherwise NOT_FOUND, whether or not it exists (FORBIDDEN
 * first for a caller that may read no request at all, as for the list).
 */
export async function getResidentRequest(ctx: RequestContext, id: string): Promise<ResidentRequest> {
  requireCan(ctx, 'read', 'ResidentRequest');
  const [row] = isUuid(id) ? await ctx.db.select().from(residentRequests).where(eq(residentRequests.id, id)) : [];
  const request = row ? toResidentRequest(row) : undefined;
  if (!request || !ctx.ability.can('read', subject('ResidentRequest', subjectOf(request)))) {
    if (request) ctx.ledger.denied({ operation: 'residentRequest', kind: 'ResidentRequest', recordId: id, reason: 'outside the scope of the caller' });
    throw new NotFoundError('ResidentRequest', id);
  }
  return request;
}

/** A personal field as this caller may see it: in full (noted in the ledger) or masked. */
export function personalField(ctx: RequestContext, request: ResidentRequest, field: RequestPersonalField): string | null {
  return personalValue(ctx, 'ResidentRequest', subjectOf(request), field, request.personal[field], RESIDENT_REQUEST_MASKS[field]);
}

/** The request's text, its phone and ID numbers masked unless the caller sees its contact phone in full. */
export function requestText(ctx: RequestContext, request: ResidentRequest): string {
  return personalText(ctx, 'ResidentRequest', subjectOf(request), 'contactPhone', 'text', request.text);
}

/**
 * The tracking code as staff see it. The code is the resident's permission to read the reply
 * and rate the request, so it is in full only for whoever sees the request's contact data in
 * full (the community, its grid, a grant's holder); everyone else sees its last four characters,
 * enough to match what a resident reads out on the phone.
 */
export function requestTrackingCode(ctx: RequestContext, request: ResidentRequest): string {
  return seesInFull(ctx, 'ResidentRequest', subjectOf(request), 'contactPhone') ? request.trackingCode : maskTrackingCode(request.trackingCode);
}

/** `********SEDT`: the last four characters of a tracking code. */
export function maskTrackingCode(code: string): string {
  return `${'*'.repeat(Math.max(0, code.length - 4))}${code.slice(-4)}`;
}

/** The community's reply as staff see it: written to the resident, so phone and ID numbers in it are masked like the text's. */
export function requestReply(ctx: RequestContext, request: ResidentRequest): string | null {
  return request.reply === null ? null : personalText(ctx, 'ResidentRequest', subjectOf(request), 'contactPhone', 'reply', request.reply);
}

/** Its position: a resident's request is personal, so exact only for whoever sees its address in full. */
export function requestLocation(ctx: RequestContext, request: ResidentRequest): ResidentRequest['location'] {
  return personalPoint(ctx, 'ResidentRequest', subjectOf(request), 'address', request.location);
}

/** The personal fields that hold a value this caller sees masked. */
export function maskedFieldsOf(ctx: RequestContext, request: ResidentRequest): string[] {
  return maskedFields(ctx, 'ResidentRequest', { ...subjectOf(request), ...request.personal }, RESIDENT_REQUEST_PERSONAL_FIELDS);
}

/** The requests of `ids`, in any order (the live feed loads each batch once). */
export async function requestsByIds(db: Executor, ids: readonly string[]): Promise<ResidentRequestRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(residentRequests).where(inArray(residentRequests.id, [...ids]));
}
