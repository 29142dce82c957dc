import DataLoader from 'dataloader';
import type { Executor } from '../../platform/db/database.js';
import { findingsByIds, findingsByReportIds, toPatrolFinding } from './patrol.service.js';
import type { PatrolFinding } from './patrol.type.js';

/** Per request (`ctx.loaders.of(createPatrolLoaders)`): one query per relation, whatever the number of reports. */
export function createPatrolLoaders(db: Executor) {
  return {
    findingsOfReport: new DataLoader<string, PatrolFinding[]>(async (ids) => {
      const rows = await findingsByReportIds(db, ids);
      return ids.map((id) => rows.filter((row) => row.reportId === id).map(toPatrolFinding));
    }),
    findingById: new DataLoader<string, PatrolFinding | null>(async (ids) => {
      const rows = new Map((await findingsByIds(db, ids)).map((row) => [row.id, toPatrolFinding(row)]));
      return ids.map((id) => rows.get(id) ?? null);
    }),
  };
}
