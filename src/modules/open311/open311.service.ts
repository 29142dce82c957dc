import { and, desc, eq, gte, inArray, lte, ne, or, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Principal } from '../../platform/auth/principal.js';
import { abilityToSql } from '../../platform/auth/ability-sql.js';
import { requireCan } from '../../platform/auth/guard.js';
import { ErrorCode } from '../../platform/errors.js';
import { invariant } from '../../platform/invariant.js';
import { isUuid } from '../../platform/db/ids.js';
import { CST_OFFSET_MS, cstDateTime, DAY_MS } from '../../platform/time.js';
import { unitsByCodes, units, type UnitRow } from '../units/index.js';
import { residentFor } from '../channels/index.js';
import { cases } from '../cases/index.js';
import {
  countSubmission,
  normalizeTrackingCode,
  personalField,
  requestFields,
  requestLocation,
  requestReply,
  requestText,
  requestTrackingCode,
  residentRequests,
  submissionProblems,
  submitResidentRequest,
  toResidentRequest,
  type ResidentRequestRow,
  type SubmitResidentRequestInput,
} from '../requests/index.js';
import { Open311Error, PARAM_OF_FIELD, paramMessage } from './open311.error.js';
import {
  EMAIL_NOT_KEPT,
  MAX_RESULTS,
  MAX_WINDOW_DAYS,
  OPEN311_STATUSES,
  SERVICES,
  STATUS_NOTES,
  type Open311Created,
  type Open311Fault,
  type Open311Request,
  type Open311Service,
  type Open311ServiceDefinition,
  type Open311Status,
  type ServiceEntry,
} from './open311.types.js';

const COMMUNITY_CODE = /^\d{12}$/;
/** W3C date-time with a time zone, as the spec asks (seconds and fractions optional). */
const W3C_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
/** The W3C profile's coarser forms: a year, a year and month, a date (`2026`, `2026-11`, `2026-11-01`). */
const W3C_DATE = /^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Every time the facade answers, in China Standard Time (no daylight saving): `2026-11-28T17:12:05+08:00`. */
function open311Time(date: Date): string {
  return cstDateTime(date);
}

/** The first or last millisecond of a W3C year, month or date in China Standard Time; NaN for anything else. */
function periodEdge(text: string, edge: 'first' | 'last'): number {
  const match = W3C_DATE.exec(text);
  if (!match) return NaN;
  const [year, month, day] = [Number(match[1]), match[2] === undefined ? undefined : Number(match[2]), match[3] === undefined ? undefined : Number(match[3])];
  if (month !== undefined && (month < 1 || month > 12)) return NaN;
  const first = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
  if (day !== undefined && new Date(first).getUTCDate() !== day) return NaN;
  const next = day !== undefined ? Date.UTC(year, (month as number) - 1, day + 1) : month !== undefined ? Date.UTC(year, month, 1) : Date.UTC(year + 1, 0, 1);
  return (edge === 'first' ? first : next - 1) - CST_OFFSET_MS;
}

function serviceByCode(code: string): ServiceEntry | undefined {
  return SERVICES.find((s) => s.code === code);
}

function serviceOf(category: string): ServiceEntry {
  const service = SERVICES.find((s) => s.category === category);
  invariant(service, `a service for every request category, not for ${category}`);
  return service;
}

const SERVICE_CODES = SERVICES.map((s) => s.code).join(', ');

/**
 * Request parameters (a form, a JSON object or a query string) read one by one; every problem
 * is kept as an Open311 fault, and `throwFaults` answers them all at once.
 */
class Params {
  readonly faults: Open311Fault[] = [];
  /** The parameters a fault is noted about. */
  private readonly refused = new Set<string>();
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  /** Notes a fault; `param` is the parameter at fault, if one is. */
  fault(code: number, description: string, param?: string): void {
    this.faults.push({ code, description });
    if (param !== undefined) this.refused.add(param);
  }

  /** Whether a fault about this parameter is noted already. */
  faulted(name: string): boolean {
    return this.refused.has(name);
  }

  /** Given at all (even if refused). */
  has(name: string): boolean {
    return this.faulted(name) || this.text(name) !== undefined;
  }

  /** A single value as text; blank → undefined. */
  text(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'string') {
      if (!this.faulted(name)) this.fault(400, `${name} must be given once, as text`, name);
      return undefined;
    }
    return value.trim() === '' ? undefined : value;
  }

  /** A comma-separated list, possibly given more than once (`status=open&status=closed`); none given → undefined. */
  list(name: string): string[] | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    const parts = Array.isArray(value) ? value : [value];
    if (!parts.every((p) => typeof p === 'string')) {
      this.fault(400, `${name} must be text (a comma-separated list)`, name);
      return undefined;
    }
    const items = (parts as string[]).flatMap((p) => p.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    return items.length > 0 ? items : undefined;
  }

  number(name: string): number | undefined {
    const value = this.values[name];
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
    } else {
      const text = this.text(name);
      if (text === undefined) return undefined;
      if (DECIMAL.test(text.trim())) return Number(text.trim());
    }
    if (!this.faulted(name)) this.fault(400, `${name} must be a decimal number (WGS-84 degrees)`, name);
    return undefined;
  }

  /**
   * A W3C date-time (with a zone), or a year, month or date of the W3C profile, which names a
   * period in China Standard Time, the jurisdictions' zone: `edge` picks its first or its last
   * millisecond (`end_date=2026-11-30` ends at 2026-11-30T23:59:59.999+08:00).
   */
  time(name: string, edge: 'first' | 'last'): Date | undefined {
    // A `+` left unencoded in a query string arrives as a space: `…T00:00:00 08:00`.
    const text = this.text(name)?.trim().replace(/ (\d\d:\d\d)$/, '+$1');
    if (text === undefined) return undefined;
    const ms = W3C_TIME.test(text) ? Date.parse(text) : periodEdge(text, edge);
    if (Number.isFinite(ms)) return new Date(ms);
    this.fault(400, `${name} must be a W3C date-time with a time zone (2026-11-01T00:00:00+08:00) or a date (2026-11-01, 2026-11, 2026)`, name);
    return undefined;
  }

  throwFaults(): void {
    if (this.faults.length > 0) throw new Open311Error(this.faults);
  }
}

// ---------------------------------------------------------------------------------------------
// Services and jurisdictions.

/**
 * The community `jurisdiction_id` names; undefined when none is given. Not 12 digits → a 400
 * fault; no such community → a 404 fault (the spec's "jurisdiction_id provided was not found").
 */
async function jurisdictionOf(db: Executor, params: Params): Promise<UnitRow | undefined> {
  const code = params.text('jurisdiction_id')?.trim();
  if (code === undefined) return undefined;
  if (!COMMUNITY_CODE.test(code)) {
    params.fault(400, `jurisdiction_id ${code} is not a community code (12 digits)`, 'jurisdiction_id');
    return undefined;
  }
  const unit = (await unitsByCodes(db, [code])).get(code);
  if (!unit || unit.tier !== 'COMMUNITY') {
    params.fault(404, `jurisdiction_id ${code} was not found: it names no community of this hub`, 'jurisdiction_id');
    return undefined;
  }
  return unit;
}

/** `GET /services.json`: the same four services for every community. */
export async function listServices(db: Executor, query: Readonly<Record<string, unknown>>): Promise<Open311Service[]> {
  const params = new Params(query);
  await jurisdictionOf(db, params);
  params.throwFaults();
  return SERVICES.map((s) => ({
    service_code: s.code,
    service_name: s.name,
    description: s.description,
    metadata: false,
    type: 'realtime',
    keywords: s.keywords,
    group: s.group,
  }));
}

/** `GET /services/{code}.json`: no service asks for attributes. */
export async function serviceDefinition(db: Executor, code: string, query: Readonly<Record<string, unknown>>): Promise<Open311ServiceDefinition> {
  const params = new Params(query);
  await jurisdictionOf(db, params);
  if (!serviceByCode(code)) params.fault(404, `service_code ${code} was not found; the services are ${SERVICE_CODES}`);
  params.throwFaults();
  return { service_code: code, attributes: [] };
}

// ---------------------------------------------------------------------------------------------
// Filing a request: the channel token is the api_key.

/** The resident a channel token proves; 403 (the spec's answer for a missing or bad api_key) otherwise. */
async function residentOf(db: Executor, apiKey: string | undefined): Promise<Principal> {
  if (apiKey === undefined) throw Open311Error.of(403, "api_key is required: the channel token in the community's QR code");
  try {
    return await residentFor(db, apiKey);
  } catch (error) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    if (code === ErrorCode.UNAUTHENTICATED) throw Open311Error.of(403, `api_key rejected: ${(error as Error).message}`);
    throw error;
  }
}

/** A contact name from Open311's two parts: `张` + `三` → `张三` (Chinese: family name first); `Ada` + `Lovelace` → `Ada Lovelace`. */
function contactNameOf(first: string | undefined, last: string | undefined): string | undefined {
  const given = first?.trim() ?? '';
  const family = last?.trim() ?? '';
  if (given === '' && family === '') return undefined;
  return /\p{Script=Han}/u.test(given + family) ? `${family}${given}` : [given, family].filter((p) => p !== '').join(' ');
}

/**
 * `POST /requests.json`: files a request with `submitResidentRequest` (the same checks, rate
 * limits and audit entry as the submit page). Every parameter at fault is answered at once,
 * before anything is written.
 */
export async function createServiceRequest(ctx: RequestContext, apiKey: string | undefined, values: Readonly<Record<string, unknown>>): Promise<Open311Created[]> {
  const resident = await residentOf(ctx.db, apiKey);
  invariant(apiKey !== undefined && resident.unit, 'a resident has a community');
  const params = new Params(values);

  const jurisdiction = await jurisdictionOf(ctx.db, params);
  if (jurisdiction && jurisdiction.code !== resident.unit.code) {
    params.fault(403, `jurisdiction_id ${jurisdiction.code} is not the community of this api_key (${resident.unit.name}, ${resident.unit.code})`, 'jurisdiction_id');
  }

  const serviceCode = params.text('service_code')?.trim();
  const service = serviceCode === undefined ? undefined : serviceByCode(serviceCode);
  if (serviceCode === undefined) params.fault(400, `service_code is required: one of ${SERVICE_CODES}`, 'service_code');
  else if (!service) params.fault(404, `service_code ${serviceCode} was not found; the services are ${SERVICE_CODES}`, 'service_code');

  const lat = params.number('lat');
  const long = params.number('long');
  if (lat !== undefined && !params.has('long')) params.fault(400, 'long is required with lat', 'long');
  if (long !== undefined && !params.has('lat')) params.fault(400, 'lat is required with long', 'lat');
  const contactName = contactNameOf(params.text('first_name'), params.text('last_name'));
  const email = params.text('email');

  const input: SubmitResidentRequestInput = {
    category: service?.category ?? 'SUGGESTION',
    text: params.text('description') ?? '',
    photoUrl: params.text('media_url') ?? null,
    location: lat !== undefined && long !== undefined ? { lat, lng: long } : null,
    address: params.text('address_string') ?? null,
    contactName: contactName ?? null,
    contactPhone: params.text('phone') ?? null,
  };
  // A parameter already refused (given twice, not a number) was sent to the check as absent: its fault stands alone.
  for (const problem of submissionProblems(input)) {
    const param = PARAM_OF_FIELD[problem.field];
    if (param === undefined || !params.faulted(param.split('/')[0] as string)) params.fault(400, paramMessage(problem.field, problem.message));
  }
  // A refused attempt counts against the rate limits as a refused GraphQL submission does (and
  // over a limit, the answer is 429 rather than the faults, in the same order).
  if (params.faults.length > 0) {
    invariant(resident.credential.id, 'a resident holds a channel');
    await countSubmission(ctx, resident.credential.id);
  }
  params.throwFaults();
  invariant(service, 'a known service once the parameters passed');

  const receipt = await submitResidentRequest(ctx, apiKey, input);
  return [{ service_request_id: receipt.trackingCode, service_notice: email === undefined ? service.notice : `${service.notice}${EMAIL_NOT_KEPT}`, account_id: null }];
}

// ---------------------------------------------------------------------------------------------
// Reading requests: by tracking code for anyone, by query for staff.

interface Found {
  request: ResidentRequestRow;
  agency: string;
  caseOpenedAt: Date | null;
  caseDeadlineAt: Date | null;
  caseClosedAt: Date | null;
}

async function findRows(db: Executor, where: SQL, limit: number): Promise<Found[]> {
  return db
    .select({ request: residentRequests, agency: units.name, caseOpenedAt: cases.openedAt, caseDeadlineAt: cases.deadlineAt, caseClosedAt: cases.closedAt })
    .from(residentRequests)
    .innerJoin(units, eq(units.code, residentRequests.communityCode))
    .leftJoin(cases, and(eq(cases.originKind, 'RESIDENT_REQUEST'), eq(cases.originId, residentRequests.id)))
    .where(where)
    .orderBy(desc(residentRequests.submittedAt), desc(residentRequests.id))
    .limit(limit);
}

/** What every view shares: the status, its notes with `reply` (as this viewer may read it), the service, the community and the times. */
function sharedView({ request, agency, caseOpenedAt }: Found, reply: string | null): Open311Request {
  const service = serviceOf(request.category);
  const times = [request.submittedAt, request.repliedAt, request.closedAt, caseOpenedAt].filter((t): t is Date => t !== null).map((t) => t.getTime());
  return {
    service_request_id: request.trackingCode,
    status: request.status === 'CLOSED' ? 'closed' : 'open',
    status_notes: reply ? `${STATUS_NOTES[request.status]}：${reply}` : STATUS_NOTES[request.status],
    service_name: service.name,
    service_code: service.code,
    description: null,
    agency_responsible: agency,
    service_notice: service.notice,
    requested_datetime: open311Time(request.submittedAt),
    updated_datetime: open311Time(new Date(Math.max(...times))),
    expected_datetime: null,
    address: null,
    address_id: null,
    zipcode: null,
    lat: null,
    long: null,
    media_url: null,
  };
}

/** What the holder of the tracking code sees: the status page, with the public reply written to the resident. */
function holderView(found: Found): Open311Request {
  return sharedView(found, found.request.reply);
}

/**
 * What anyone may list (the spec's public GET requests): the status, the service, the community
 * and the times — no text, place, photo or reply, which a resident wrote or was written for
 * the resident alone. Its `service_request_id` is the request's id, never the tracking code:
 * holding the code is the resident's permission, so a listing must not hand it out.
 */
function listedView(found: Found): Open311Request {
  return { ...sharedView(found, null), service_request_id: found.request.id };
}

/** The staff view: the text, the place and the photo; the address, the phone and ID numbers in the text and reply, and the exact place masked unless the caller may unmask them (noted for the audit log). */
function staffView(ctx: RequestContext, found: Found): Open311Request {
  const request = toResidentRequest(found.request);
  const open = found.caseDeadlineAt !== null && found.caseClosedAt === null;
  const point = requestLocation(ctx, request);
  const code = requestTrackingCode(ctx, request);
  return {
    ...sharedView(found, requestReply(ctx, request)),
    // A staff member who may not hold the code gets the id, as the public listing does.
    service_request_id: code === request.trackingCode ? code : request.id,
    description: requestText(ctx, request),
    expected_datetime: open ? open311Time(found.caseDeadlineAt as Date) : null,
    address: personalField(ctx, request, 'address'),
    lat: point?.lat ?? null,
    long: point?.lng ?? null,
    media_url: request.photoUrl,
  };
}

function isStaff(ctx: RequestContext): boolean {
  return ctx.principal.kind !== 'ANONYMOUS';
}

/** The caller's scope as SQL; FORBIDDEN for a principal who may read no resident request at all. */
function staffScope(ctx: RequestContext): SQL {
  requireCan(ctx, 'read', 'ResidentRequest');
  return abilityToSql(ctx.ability, 'read', 'ResidentRequest', requestFields);
}

/**
 * What a list of `service_request_id`s names: tracking codes as stored (case, spaces and dashes
 * ignored) and request ids as the public listing gives them; anything else names nothing.
 */
function namedRequests(ids: readonly string[]): { codes: string[]; ids: string[] } {
  const codes = new Set<string>();
  const uuids = new Set<string>();
  for (const id of ids) {
    const code = normalizeTrackingCode(id);
    if (code !== undefined) codes.add(code);
    else if (isUuid(id.trim())) uuids.add(id.trim().toLowerCase());
  }
  return { codes: [...codes], ids: [...uuids] };
}

/** Requests named that exist but lie outside the staff caller's scope: denials for the audit log. */
async function noteHidden(ctx: RequestContext, named: ReturnType<typeof namedRequests>, found: readonly Found[]): Promise<void> {
  const codes = new Set(found.map((f) => f.request.trackingCode));
  const ids = new Set(found.map((f) => f.request.id));
  const missingCodes = named.codes.filter((c) => !codes.has(c));
  const missingIds = named.ids.filter((id) => !ids.has(id));
  if (missingCodes.length === 0 && missingIds.length === 0) return;
  const hidden = await ctx.db.select({ id: residentRequests.id }).from(residentRequests).where(or(inArray(residentRequests.trackingCode, missingCodes), inArray(residentRequests.id, missingIds)));
  for (const { id } of hidden) ctx.ledger.denied({ operation: 'read', kind: 'ResidentRequest', recordId: id, reason: 'outside the scope of the caller (Open311)' });
}

/**
 * Requests by tracking code or by listed id, in the caller's view: the staff view within its
 * scope; for everyone else the holder's view by tracking code and the listed view by id.
 */
async function byIds(ctx: RequestContext, ids: readonly string[], jurisdiction: UnitRow | undefined): Promise<Open311Request[]> {
  const named = namedRequests(ids);
  if (named.codes.length === 0 && named.ids.length === 0) return [];
  const where: SQL[] = [or(inArray(residentRequests.trackingCode, named.codes), inArray(residentRequests.id, named.ids)) as SQL];
  if (jurisdiction) where.push(eq(residentRequests.communityCode, jurisdiction.code));
  if (!isStaff(ctx)) {
    const codes = new Set(named.codes);
    return (await findRows(ctx.db, and(...where) as SQL, MAX_RESULTS)).map((f) => (codes.has(f.request.trackingCode) ? holderView(f) : listedView(f)));
  }
  const found = await findRows(ctx.db, and(staffScope(ctx), ...where) as SQL, MAX_RESULTS);
  await noteHidden(ctx, named, found);
  return found.map((f) => staffView(ctx, f));
}

/** A channel token sent along with a lookup must still be a valid one. */
async function checkKey(ctx: RequestContext, apiKey: string | undefined): Promise<void> {
  if (apiKey !== undefined && !isStaff(ctx)) await residentOf(ctx.db, apiKey);
}

/**
 * `GET /requests.json`.
 * - `service_request_id` (comma-separated tracking codes or listed ids): those requests, whoever
 *   asks — without staff credentials the holder's view by code and the listed view by id; it
 *   overrides every other parameter but `jurisdiction_id`.
 * - otherwise a listing: for staff (`Authorization`) the requests the caller's ability lets it
 *   read in the staff view, for anyone else every request in the listed view (no personal
 *   data); filtered in SQL by `service_code`, `status`, `start_date`/`end_date` (at most 90 days
 *   apart; the last 90 days by default) and `jurisdiction_id`, newest first, at most 1,000.
 */
export async function findServiceRequests(ctx: RequestContext, apiKey: string | undefined, query: Readonly<Record<string, unknown>>): Promise<Open311Request[]> {
  await checkKey(ctx, apiKey);
  const params = new Params(query);
  const jurisdiction = await jurisdictionOf(ctx.db, params);
  const codes = params.list('service_request_id');
  if (codes !== undefined) {
    if (codes.length > MAX_RESULTS) params.fault(400, `service_request_id names more than ${MAX_RESULTS} requests`);
    params.throwFaults();
    return byIds(ctx, codes, jurisdiction);
  }
  const staff = isStaff(ctx);
  const where: SQL[] = staff ? [staffScope(ctx)] : [];
  const serviceCodes = params.list('service_code');
  if (serviceCodes) {
    const unknown = serviceCodes.filter((c) => !serviceByCode(c));
    if (unknown.length > 0) params.fault(400, `service_code ${unknown.join(', ')} is not a service here; the services are ${SERVICE_CODES}`);
    else where.push(inArray(residentRequests.category, serviceCodes.map((c) => (serviceByCode(c) as ServiceEntry).category)));
  }
  const statuses = params.list('status');
  if (statuses) {
    const unknown = statuses.filter((s) => !(OPEN311_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0) params.fault(400, `status ${unknown.join(', ')} is not a status; use open or closed`);
    else if (new Set(statuses).size === 1) where.push((statuses[0] as Open311Status) === 'closed' ? eq(residentRequests.status, 'CLOSED') : ne(residentRequests.status, 'CLOSED'));
  }
  const start = params.time('start_date', 'first');
  const end = params.time('end_date', 'last');
  const span = MAX_WINDOW_DAYS * DAY_MS;
  if (start && end) {
    if (end.getTime() < start.getTime()) params.fault(400, 'end_date is before start_date');
    else if (end.getTime() - start.getTime() > span) params.fault(400, `end_date is more than ${MAX_WINDOW_DAYS} days after start_date`);
  }
  if (jurisdiction) where.push(eq(residentRequests.communityCode, jurisdiction.code));
  params.throwFaults();

  const now = ctx.hub.clock.now().getTime();
  const from = start ?? new Date((end?.getTime() ?? now) - span);
  const to = end ?? (start ? new Date(start.getTime() + span) : new Date(now));
  where.push(gte(residentRequests.submittedAt, from), lte(residentRequests.submittedAt, to));
  const found = await findRows(ctx.db, and(...where) as SQL, MAX_RESULTS);
  return staff ? found.map((f) => staffView(ctx, f)) : found.map(listedView);
}

/** `GET /requests/{id}.json`: one request by tracking code or listed id, as `findServiceRequests` would show it; 404 otherwise. */
export async function findServiceRequest(ctx: RequestContext, apiKey: string | undefined, id: string, query: Readonly<Record<string, unknown>>): Promise<Open311Request[]> {
  await checkKey(ctx, apiKey);
  const params = new Params(query);
  const jurisdiction = await jurisdictionOf(ctx.db, params);
  params.throwFaults();
  const found = await byIds(ctx, [id], jurisdiction);
  if (found.length === 0) throw Open311Error.of(404, `service_request_id ${id} was not found`);
  return found;
}
