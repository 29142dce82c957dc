import { ErrorCode, httpStatusOf, isKnownCode } from '../../platform/errors.js';
import type { Logger } from '../../platform/context.js';
import type { Open311Fault } from './open311.types.js';

/**
 * An answer in Open311's error shape: an HTTP status and `[{ code, description }]`, one entry
 * per problem (per parameter at fault). `code` is the HTTP status the entry alone would have;
 * the response's status is the entries' common status, or 400 when they differ.
 */
export class Open311Error extends Error {
  override readonly name = 'Open311Error';
  readonly status: number;
  constructor(
    readonly faults: readonly Open311Fault[],
    /** Extra response headers (`Retry-After`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(faults.map((f) => f.description).join('; '));
    const statuses = new Set(faults.map((f) => f.code));
    this.status = statuses.size === 1 ? (faults[0]?.code ?? 400) : 400;
  }

  static of(code: number, description: string, headers: Readonly<Record<string, string>> = {}): Open311Error {
    return new Open311Error([{ code, description }], headers);
  }
}

/** The fields of SubmitResidentRequestInput as the Open311 parameters they come from. */
export const PARAM_OF_FIELD: Readonly<Record<string, string>> = {
  'input.category': 'service_code',
  'input.text': 'description',
  'input.photoUrl': 'media_url',
  'input.location.lat': 'lat',
  'input.location.lng': 'long',
  'input.address': 'address_string',
  'input.contactName': 'first_name/last_name',
  'input.contactPhone': 'phone',
};

/**
 * A message about an input field, told in the Open311 parameter's name: the hub's messages
 * start with the field's own name (`text is longer than 2000 characters`), which becomes the
 * parameter's (`description is longer than 2000 characters`).
 */
export function paramMessage(field: string, message: string): string {
  const param = PARAM_OF_FIELD[field];
  if (!param) return message;
  const leaf = field.split('.').pop() as string;
  return message.startsWith(`${leaf} `) ? `${param}${message.slice(leaf.length)}` : `${param}: ${message}`;
}

/**
 * Any error a hub service threw, as an Open311 answer: its code becomes the HTTP status, a
 * BAD_USER_INPUT names the Open311 parameter, RATE_LIMITED carries `Retry-After`. Anything
 * unexpected is logged and answered 500 without its message.
 */
export function toOpen311Error(error: unknown, log: Logger): Open311Error {
  if (error instanceof Open311Error) return error;
  const extensions = (error as { extensions?: Record<string, unknown> } | null)?.extensions;
  const code = extensions?.['code'];
  // A code the hub raises on purpose answers with its HTTP status; anything else is unexpected.
  const status = isKnownCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR && code !== ErrorCode.QUERY_TOO_COMPLEX ? httpStatusOf(code) : undefined;
  if (status === undefined) {
    log.error('open311: unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return Open311Error.of(500, 'Internal error; it has been logged');
  }
  const message = (error as Error).message;
  const field = extensions?.['field'];
  if (code === ErrorCode.BAD_USER_INPUT && typeof field === 'string') return Open311Error.of(400, paramMessage(field, message));
  if (code === ErrorCode.RATE_LIMITED) {
    const retryAfter = Number(extensions?.['retryAfterSeconds']);
    return Open311Error.of(429, message, Number.isFinite(retryAfter) && retryAfter > 0 ? { 'Retry-After': String(Math.ceil(retryAfter)) } : {});
  }
  return Open311Error.of(status, message);
}
