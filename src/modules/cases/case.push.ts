import type { PushKind } from '../../platform/module.js';
import { withLocation } from '../ingest/index.js';

/** `gridhub push --kind cases`: work orders from another system (e.g. the 12345 hotline) → ingestCases. */
export const casesPush: PushKind = {
  name: 'cases',
  mutation: 'ingestCases',
  inputType: 'IngestCasesInput',
  csvColumns: {
    externalId: 'string',
    unitCode: 'string',
    title: 'string',
    description: 'string',
    category: 'string',
    severity: 'string',
    reportedAt: 'string',
    lat: 'float',
    lng: 'float',
    reporterName: 'string',
    reporterPhone: 'string',
  },
  fromCsv: withLocation,
};
