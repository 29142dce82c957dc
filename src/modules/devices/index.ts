export { devices, DEVICE_TYPES, DEVICE_STATUSES, HEARTBEAT_INTERVAL_SECONDS, type DeviceRow, type DeviceTypeName, type DeviceStatusName } from './device.table.js';
export { Device, DeviceType, DeviceStatus, GeoPoint, DeviceConnection } from './device.type.js';
export { DeviceResolver } from './device.resolver.js';
export { DEVICE_PERSONAL_FIELDS } from './device.personal.js';
export { deviceFields } from './device.service.js';
export { createDeviceLoaders, DEVICE_KEYS, toDevice } from './device.loader.js';
export { defineDeviceRules } from './device.policy.js';
export { deviceLive } from './device.live.js';
export { publishStatusChanges } from './device.ingest.js';
