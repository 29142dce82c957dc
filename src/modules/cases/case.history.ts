import DataLoader from 'dataloader';
import { asc, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { caseHistory } from './case.table.js';
import { CaseHistoryEntry } from './case.type.js';

/**
 * Each case's history, oldest first: one query per request whatever the number of cases
 * (`ctx.loaders.of(createCaseHistoryLoader)`); a case page that selects the history primes it
 * from its own statement. Entries are returned unchecked: the case was checked.
 */
export function createCaseHistoryLoader(db: Executor): DataLoader<string, CaseHistoryEntry[]> {
  return new DataLoader<string, CaseHistoryEntry[]>(async (ids) => {
    const rows = await db.select().from(caseHistory).where(inArray(caseHistory.caseId, [...ids])).orderBy(asc(caseHistory.caseId), asc(caseHistory.seq));
    const byCase = new Map<string, CaseHistoryEntry[]>(ids.map((id) => [id, []]));
    for (const row of rows) byCase.get(row.caseId)?.push(Object.assign(new CaseHistoryEntry(), row));
    return ids.map((id) => byCase.get(id) ?? []);
  });
}
