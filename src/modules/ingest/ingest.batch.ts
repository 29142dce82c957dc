import { subject, type AppAbility } from '../../platform/auth/ability.js';
import type { Principal } from '../../platform/auth/principal.js';
import { isWithin } from '../../platform/auth/scope.js';
import { BadUserInputError, ForbiddenError } from '../../platform/errors.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../platform/json.js';
import { IngestReport, IngestResult, RecordError, RecordErrorCode, RecordStatus } from './ingest.type.js';

export const MAX_BATCH = 1000;

/**
 * Terminology
 * - batch: what one ingest mutation carries; one transaction.
 * - verdict: the outcome decided for one record before anything is written; a record that
 *   passes every check is `pending` until the insert says ACCEPTED or DUPLICATE.
 */
export type Verdict =
  | { status: 'pending' }
  | { status: typeof RecordStatus.REJECTED; error: RecordError }
  | { status: typeof RecordStatus.DUPLICATE; firstIndex: number };

export function rejection(code: RecordErrorCode, field: string | null, message: string): Verdict {
  return { status: RecordStatus.REJECTED, error: Object.assign(new RecordError(), { code, field, message }) };
}

export function checkBatchSize(count: number): void {
  if (count > MAX_BATCH) throw new BadUserInputError(`A batch holds at most ${MAX_BATCH} records; this one has ${count}. Nothing was written.`, 'records');
}

/** Adapters write under their own name: `name` or `name/subsystem`. */
export function checkSource(principal: Principal, source: string): void {
  if (source !== principal.name && !source.startsWith(`${principal.name}/`)) {
    throw new ForbiddenError('ingest', 'source', `Source must be "${principal.name}" or "${principal.name}/…", got "${source}"`);
  }
}

/** Per record: may this principal ingest a `kind` record of `type` at `unitPath`? */
export function placementVerdict(ability: AppAbility, principal: Principal, kind: string, record: { unitPath: string; type: string }): Verdict {
  if (ability.can('ingest', subject(kind, { ...record }))) return { status: 'pending' };
  const jurisdiction = principal.department?.jurisdiction;
  if (!jurisdiction || !isWithin(record.unitPath, jurisdiction.path)) {
    return rejection(RecordErrorCode.OUT_OF_JURISDICTION, 'unitCode', `Unit is outside ${jurisdiction ? `${jurisdiction.name} (${jurisdiction.code})` : 'any jurisdiction of yours'}`);
  }
  return rejection(RecordErrorCode.OUT_OF_DOMAIN, 'type', `${principal.department?.name ?? 'Your department'} does not own ${kind} records of type ${record.type}`);
}

/** Marks the second and later records with an externalId already seen in the batch. */
export function markRepeats(externalIds: readonly string[], verdicts: Verdict[]): void {
  const first = new Map<string, number>();
  externalIds.forEach((externalId, index) => {
    if (verdicts[index]?.status !== 'pending') return;
    const earlier = first.get(externalId);
    if (earlier === undefined) first.set(externalId, index);
    else verdicts[index] = { status: RecordStatus.DUPLICATE, firstIndex: earlier };
  });
}

/**
 * The report, from the verdicts and what the write found: `ids` maps the index of each
 * pending record to its stored id, `inserted` holds the indexes written now as new records,
 * and `updated` (kinds whose records change) the indexes that changed an existing one.
 */
export function buildReport(
  externalIds: readonly string[],
  verdicts: readonly Verdict[],
  outcome: { ids: Map<number, string>; inserted: Set<number>; updated?: Set<number> } | 'aborted',
): IngestReport {
  const report = Object.assign(new IngestReport(), { accepted: 0, updated: 0, duplicates: 0, rejected: 0, skipped: 0, results: [] as IngestResult[] });
  verdicts.forEach((verdict, index) => {
    const result: IngestResult = Object.assign(new IngestResult(), {
      index,
      externalId: externalIds[index] ?? '',
      status: RecordStatus.REJECTED as RecordStatus,
      recordId: null as string | null,
      error: null as RecordError | null,
    });
    if (verdict.status === RecordStatus.REJECTED) {
      result.status = RecordStatus.REJECTED;
      result.error = verdict.error;
      report.rejected++;
    } else if (outcome === 'aborted') {
      result.status = RecordStatus.SKIPPED;
      report.skipped++;
    } else {
      const ownIndex = verdict.status === RecordStatus.DUPLICATE ? verdict.firstIndex : index;
      result.recordId = outcome.ids.get(ownIndex) ?? null;
      const own = verdict.status === 'pending';
      result.status =
        own && outcome.inserted.has(index) ? RecordStatus.ACCEPTED : own && outcome.updated?.has(index) ? RecordStatus.UPDATED : RecordStatus.DUPLICATE;
      if (result.status === RecordStatus.ACCEPTED) report.accepted++;
      else if (result.status === RecordStatus.UPDATED) report.updated++;
      else report.duplicates++;
    }
    report.results.push(result);
  });
  return report;
}

/**
 * Postgres text and jsonb refuse NUL (U+0000, also as the JSON escape \u0000) and unpaired
 * UTF-16 surrogates; such a record must be rejected alone, not fail the batch's insert.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export function storable(text: string): boolean {
  return !UNSTORABLE.test(text);
}
/**
 * JSON.stringify writes NUL and lone surrogates as escapes (`\u0000`, `\ud800`; paired
 * surrogates stay raw characters), and jsonb refuses both: look for those escapes, not preceded
 * by an odd run of backslashes.
 */
const JSON_UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
function storableJson(text: string): boolean {
  return storable(text) && !JSON_UNSTORABLE.test(text);
}

/** Shared field checks; each returns a rejection or undefined. */
export const checks = {
  text(value: string, field: string, max: number): Verdict | undefined {
    if (value.trim() === '') return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} must not be empty`);
    if (value.length > max) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is longer than ${max} characters`);
    if (!storable(value)) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} holds a NUL character or a broken UTF-16 surrogate`);
    return undefined;
  },
  location(location: { lat: number; lng: number } | null | undefined): Verdict | undefined {
    if (!location) return undefined;
    if (!(location.lat >= -90 && location.lat <= 90)) return rejection(RecordErrorCode.INVALID_FIELD, 'location.lat', 'lat must be within -90..90');
    if (!(location.lng >= -180 && location.lng <= 180)) return rejection(RecordErrorCode.INVALID_FIELD, 'location.lng', 'lng must be within -180..180');
    return undefined;
  },
  time(value: Date, field: string, now: Date, maxAheadMs = 24 * 3600 * 1000): Verdict | undefined {
    if (Number.isNaN(value.getTime())) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is not a time`);
    if (value.getUTCFullYear() < 1970) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is before 1970`);
    if (value.getTime() > now.getTime() + maxAheadMs) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is more than a day in the future`);
    return undefined;
  },
  /** A JSON scalar field: at most MAX_JSON_DEPTH deep (checked first, without recursion: the stringify below recurses) and `maxBytes` serialized. */
  json(value: unknown, field: string, maxBytes: number): Verdict | undefined {
    if (value === null || value === undefined) return undefined;
    if (nestedDeeperThan(value, MAX_JSON_DEPTH)) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > maxBytes) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} is larger than ${maxBytes} bytes`);
    if (!storableJson(text)) return rejection(RecordErrorCode.INVALID_FIELD, field, `${field} holds a NUL character or a broken UTF-16 surrogate`);
    return undefined;
  },
};
