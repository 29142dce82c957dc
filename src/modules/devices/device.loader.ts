import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.js';
import { devices, type DeviceRow } from './device.table.js';
import { Device } from './device.type.js';

/** The columns `toDevice` reads (not the placement codes, not `attributes`): a joined device is read with these. */
export const DEVICE_KEYS = [
  'id',
  'source',
  'externalId',
  'type',
  'name',
  'model',
  'status',
  'lat',
  'lng',
  'lastHeartbeatAt',
  'createdAt',
  'address',
  'holderName',
  'holderPhone',
  'holderIdNumber',
  'departmentCode',
  'heartbeatIntervalSeconds',
  'unitCode',
  'unitPath',
] as const satisfies readonly (keyof DeviceRow)[];

export function toDevice(row: Pick<DeviceRow, (typeof DEVICE_KEYS)[number]>): Device {
  return Object.assign(new Device(), {
    id: row.id,
    source: row.source,
    externalId: row.externalId,
    type: row.type,
    name: row.name,
    model: row.model,
    status: row.status,
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    lastHeartbeatAt: row.lastHeartbeatAt,
    createdAt: row.createdAt,
    address: row.address,
    holderName: row.holderName,
    holderPhone: row.holderPhone,
    holderIdNumber: row.holderIdNumber,
    departmentCode: row.departmentCode,
    heartbeatIntervalSeconds: row.heartbeatIntervalSeconds,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
  });
}

export function createDeviceLoaders(db: Executor) {
  return {
    deviceById: new DataLoader<string, Device | null>(async (ids) => {
      const rows = await db.select().from(devices).where(inArray(devices.id, [...ids]));
      const byId = new Map(rows.map((row) => [row.id, toDevice(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
