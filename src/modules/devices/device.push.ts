import type { PushKind } from '../../platform/module.js';
import { withLocation } from '../ingest/index.js';

/** `gridhub push --kind devices`: registrations and updates → ingestDevices. */
export const devicesPush: PushKind = {
  name: 'devices',
  mutation: 'ingestDevices',
  inputType: 'IngestDevicesInput',
  csvColumns: {
    externalId: 'string',
    type: 'string',
    name: 'string',
    model: 'string',
    unitCode: 'string',
    lat: 'float',
    lng: 'float',
    departmentCode: 'string',
    heartbeatIntervalSeconds: 'int',
    address: 'string',
    holderName: 'string',
    holderPhone: 'string',
    holderIdNumber: 'string',
    attributes: 'json',
  },
  fromCsv: withLocation,
};

/** `gridhub push --kind heartbeats`: devices alive (or reporting a fault) → heartbeatDevices. */
export const heartbeatsPush: PushKind = {
  name: 'heartbeats',
  mutation: 'heartbeatDevices',
  inputType: 'HeartbeatDevicesInput',
  csvColumns: { externalId: 'string', at: 'string', status: 'string' },
  fromCsv: (cells) => ({ ...cells }),
};
