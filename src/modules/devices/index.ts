import { isUuid } from '../../platform/db/ids.js';
import { getDevice } from './device.service.js';
import { defineModule } from '../../platform/module.js';
import { placedBy } from '../../platform/db/placement.js';
import { deviceLive } from './device.live.js';
import { devices, DEVICE_TYPES } from './device.table.js';
import { DeviceResolver } from './device.resolver.js';
import { DEVICE_PERSONAL_FIELDS } from './device.personal.js';
import { defineDeviceRules } from './device.policy.js';
import { devicesPush, heartbeatsPush } from './device.push.js';

export { devices, DEVICE_TYPES, HEARTBEAT_INTERVAL_SECONDS, type DeviceRow, type DeviceTypeName, type DeviceStatusName } from './device.table.js';
export { Device, DeviceType, DeviceStatus, GeoPoint } from './device.type.js';
export { DEVICE_PERSONAL_FIELDS } from './device.personal.js';
export { deviceFields } from './device.service.js';
export { createDeviceLoaders, DEVICE_KEYS, toDevice } from './device.loader.js';
export { deviceLive } from './device.live.js';
export { publishStatusChanges } from './device.ingest.js';

declare module '../../platform/pubsub/bus.js' {
  interface Topics {
    /** Devices whose status changed (ONLINE, OFFLINE, FAULT): a heartbeat, or the silence sweeper. */
    deviceStatusChanged: { ids: string[] };
  }
}

export const devicesModule = defineModule({
  name: 'devices',
  resolvers: [DeviceResolver],
  rules: defineDeviceRules,
  tables: { devices },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'Device', table: devices, key: devices.id, accepts: isUuid, load: (ctx, id) => getDevice(ctx, id) }], placedRecords: [{ table: devices, id: devices.id, paths: [placedBy(devices, devices.createdAt)] }] },
  grantable: { DEVICE: { subject: 'Device', types: DEVICE_TYPES, personalFields: Object.keys(DEVICE_PERSONAL_FIELDS) } },
  push: [devicesPush, heartbeatsPush],
  live: [deviceLive],
});
