import DataLoader from 'dataloader';
import { and, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { alerts, toAlert, type Alert } from '../alerts/index.js';
import { residentRequests, toResidentRequest, type ResidentRequest } from '../requests/index.js';
import { cases, type CaseOriginName } from './case.table.js';
import type { Case } from './case.type.js';
import { toCase } from './case.model.js';

function byId<T extends { id: string }>(ids: readonly string[], found: T[]): (T | null)[] {
  const map = new Map(found.map((item) => [item.id, item]));
  return ids.map((id) => map.get(id) ?? null);
}

/**
 * Every relation of a case, one query per relation per request whatever the number of cases
 * (`ctx.loaders.of(createCaseLoaders)`). Loaders return records unchecked: resolvers check
 * the caller's ability on each before returning it.
 */
export function createCaseLoaders(db: Executor) {
  return {
    caseById: new DataLoader<string, Case | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.select().from(cases).where(inArray(cases.id, valid)) : [];
      return byId(ids, rows.map(toCase));
    }),
    /** Key: `${originKind}:${originId}`. */
    caseByOrigin: new DataLoader<string, Case | null>(async (keys) => {
      const parsed = keys.map((key) => key.split(':') as [CaseOriginName, string]);
      const ids = [...new Set(parsed.map(([, id]) => id).filter(isUuid))];
      const rows = ids.length ? await db.select().from(cases).where(and(inArray(cases.originId, ids), inArray(cases.originKind, [...new Set(parsed.map(([kind]) => kind))]))) : [];
      return parsed.map(([kind, id]) => {
        const row = rows.find((r) => r.originKind === kind && r.originId === id);
        return row ? toCase(row) : null;
      });
    }),
    alertById: new DataLoader<string, Alert | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.select().from(alerts).where(inArray(alerts.id, valid)) : [];
      return byId(ids, rows.map(toAlert));
    }),
    requestById: new DataLoader<string, ResidentRequest | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await db.select().from(residentRequests).where(inArray(residentRequests.id, valid)) : [];
      return byId(ids, rows.map(toResidentRequest));
    }),
  };
}
