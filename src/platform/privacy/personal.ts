import type { RequestContext } from '../context.js';
import { subject } from '../auth/ability.js';
import type { Masker } from './mask.js';
import { coarsenPoint, holdsPersonalNumbers, maskFreeText, type Point } from './free-text.js';

/**
 * One personal field as the caller may see it: the full value when its ability allows
 * `unmask` on this record and field (noted for the audit log), the masked value otherwise.
 * A missing value stays null — there is nothing to hide.
 */
export function personalValue(
  ctx: RequestContext,
  kind: string,
  record: { id: string } & Record<string, unknown>,
  field: string,
  value: string | null,
  mask: Masker,
): string | null {
  if (value === null || value === '') return value;
  if (ctx.ability.can('unmask', subject(kind, { ...record }), field)) {
    ctx.ledger.disclosed(kind, record.id, field);
    return value;
  }
  return mask(value);
}

/** The personal fields of a record that this caller sees masked (for clients to show it). */
export function maskedFields(ctx: RequestContext, kind: string, record: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.filter((field) => record[field] != null && record[field] !== '' && !ctx.ability.can('unmask', subject(kind, { ...record }), field));
}

/** The `purpose` argument of queries that may return personal data. */
export const PURPOSE_ARG = {
  nullable: true,
  description: 'Why you read it; written to the audit log with every unmasked personal field returned (overrides the x-purpose header).',
} as const;

/**
 * Whether this caller sees the record's personal data in full, judged by one of its personal
 * fields (`field`): free text and coordinates that carry personal data follow that field.
 */
export function seesInFull(ctx: RequestContext, kind: string, record: Record<string, unknown>, field: string): boolean {
  return ctx.ability.can('unmask', subject(kind, { ...record }), field);
}

/**
 * Free text of a record (a request's text, a case's description): in full for whoever sees
 * `field` in full (noted for the audit log under `textField` when it held a phone or ID
 * number), with phone and ID numbers masked for everyone else.
 */
export function personalText(ctx: RequestContext, kind: string, record: { id: string } & Record<string, unknown>, field: string, textField: string, text: string): string {
  if (!holdsPersonalNumbers(text)) return text;
  if (!seesInFull(ctx, kind, record, field)) return maskFreeText(text);
  ctx.ledger.disclosed(kind, record.id, textField);
  return text;
}

/** The position of a personal record: exact for whoever sees `field` in full, coarsened to about 100 m for everyone else. */
export function personalPoint<P extends Point>(ctx: RequestContext, kind: string, record: Record<string, unknown>, field: string, point: P | null): P | null {
  if (!point || seesInFull(ctx, kind, record, field)) return point;
  return coarsenPoint(point);
}
