import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Job } from '../platform/scheduler.js';
import { devices } from '../modules/devices/index.js';

/** The seeded devices carry this in `attributes`; devices registered later do not. */
export const DEMO_DEVICE_MARK = 'demo';

/**
 * The embedded demo has no IoT platform behind it: without heartbeats every seeded device
 * would fall silent within its interval × grace and raise DEVICE_OFFLINE. This job stands in
 * for the platform, on the embedded demo database only: at start and every minute the seeded
 * devices that are ONLINE or FAULT are heard from again (their status unchanged). The seeded
 * OFFLINE ones stay silent, and devices registered through `ingestDevices` get no help: the
 * sweeper treats them as it would in production.
 */
export const demoHeartbeats: Job = {
  name: 'demo heartbeats',
  every: () => 60,
  atStart: true,
  run: (hub) =>
    hub.database.db
      .update(devices)
      .set({ lastHeartbeatAt: hub.clock.now() })
      .where(and(inArray(devices.status, ['ONLINE', 'FAULT']), eq(devices.source, 'iot-platform'), sql`${devices.attributes} ? ${DEMO_DEVICE_MARK}`)),
};
