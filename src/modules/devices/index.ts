export { devices, DEVICE_TYPES, type DeviceRow, type DeviceTypeName } from './device.table.js';
export { Device, DeviceType, GeoPoint } from './device.type.js';
export { createDeviceLoaders, toDevice } from './device.loader.js';
export { defineDeviceRules } from './device.policy.js';
