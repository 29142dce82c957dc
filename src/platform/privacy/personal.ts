import type { RequestContext } from '../context.js';
import { subject } from '../auth/ability.js';
import type { Masker } from './mask.js';

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
