import type { RequestContext } from '../../platform/context.js';
import { personalPoint, seesInFull } from '../../platform/privacy/personal.js';
import { maskPayload, personalKeySet } from '../../platform/privacy/free-text.js';
import type { AlertTypeName } from './alert.table.js';
import type { Alert } from './alert.type.js';
import { ALERT_PAYLOAD_PERSONAL_KEYS, PERSONAL_ALERT_TYPES } from './alert.policy.js';

const keysByType = new Map<AlertTypeName, ReadonlySet<string>>();

function personalKeysOf(type: AlertTypeName): ReadonlySet<string> {
  let keys = keysByType.get(type);
  if (!keys) keysByType.set(type, (keys = personalKeySet([...ALERT_PAYLOAD_PERSONAL_KEYS.all, ...(ALERT_PAYLOAD_PERSONAL_KEYS[type] ?? [])])));
  return keys;
}

function alertSubject(alert: Alert): { id: string; unitPath: string; type: string } {
  return { id: alert.id, unitPath: alert.unitPath, type: alert.type };
}

/** The payload as this caller may see it: in full where it may unmask `payload` (noted for the audit log), its personal data masked elsewhere. */
export function alertPayload(ctx: RequestContext, alert: Alert): Record<string, unknown> {
  const payload = alert.payload ?? {};
  const masked = maskPayload(payload, personalKeysOf(alert.type)) as Record<string, unknown>;
  if (JSON.stringify(masked) === JSON.stringify(payload)) return payload;
  if (!seesInFull(ctx, 'Alert', alertSubject(alert), 'payload')) return masked;
  ctx.ledger.disclosed('Alert', alert.id, 'payload');
  return payload;
}

/** An elderly resident's alarm is about a person: its position is exact only where its payload is unmasked. */
export function alertLocation(ctx: RequestContext, alert: Alert): Alert['location'] {
  if (!PERSONAL_ALERT_TYPES.includes(alert.type)) return alert.location;
  return personalPoint(ctx, 'Alert', alertSubject(alert), 'payload', alert.location);
}
