import type { PushKind } from '../../platform/module.js';
import { withLocation } from '../ingest/index.js';

/** `gridhub push --kind requests`: resident requests made through another channel → ingestResidentRequests. */
export const requestsPush: PushKind = {
  name: 'requests',
  mutation: 'ingestResidentRequests',
  inputType: 'IngestResidentRequestsInput',
  csvColumns: {
    externalId: 'string',
    category: 'string',
    text: 'string',
    unitCode: 'string',
    submittedAt: 'string',
    photoUrl: 'string',
    lat: 'float',
    lng: 'float',
    address: 'string',
    contactName: 'string',
    contactPhone: 'string',
  },
  fromCsv: withLocation,
};
