import type { PushKind } from '../../platform/module.js';
import { withLocation } from '../ingest/index.js';

/** `gridhub push --kind alerts`: alerts from an IoT platform → ingestAlerts. */
export const alertsPush: PushKind = {
  name: 'alerts',
  mutation: 'ingestAlerts',
  inputType: 'IngestAlertsInput',
  csvColumns: {
    externalId: 'string',
    type: 'string',
    severity: 'string',
    occurredAt: 'string',
    unitCode: 'string',
    deviceExternalId: 'string',
    lat: 'float',
    lng: 'float',
    payload: 'json',
  },
  fromCsv: withLocation,
};
