export { devices, DEVICE_TYPES, type DeviceRow, type DeviceTypeName } from './device.table.js';
export { Device, DeviceType, DeviceStatus, GeoPoint, DeviceConnection } from './device.type.js';
export { DeviceResolver } from './device.resolver.js';
export { DEVICE_PERSONAL_FIELDS } from './device.personal.js';
export { deviceFields } from './device.service.js';
export { createDeviceLoaders, toDevice } from './device.loader.js';
export { defineDeviceRules } from './device.policy.js';
