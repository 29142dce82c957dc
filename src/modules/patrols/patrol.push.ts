import type { PushKind } from '../../platform/module.js';

/** `gridhub push --kind patrols`: patrol reports from a grid-management system → ingestPatrolReports; in CSV, `findings` is a JSON array cell. */
export const patrolsPush: PushKind = {
  name: 'patrols',
  mutation: 'ingestPatrolReports',
  inputType: 'IngestPatrolReportsInput',
  csvColumns: {
    externalId: 'string',
    gridCode: 'string',
    filedBy: 'string',
    startedAt: 'string',
    endedAt: 'string',
    routeNote: 'string',
    findings: 'json',
  },
  fromCsv: (cells) => ({ ...cells }),
};
