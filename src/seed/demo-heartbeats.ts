import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Hub } from '../platform/context.js';
import { devices } from '../modules/devices/index.js';

/** The seeded devices carry this in `attributes`; devices registered later do not. */
export const DEMO_DEVICE_MARK = 'demo';

/**
 * The embedded demo has no IoT platform behind it: without heartbeats every seeded device
 * would fall silent within its interval × grace and raise DEVICE_OFFLINE. This stands in for
 * the platform, on the embedded demo database only: every minute the seeded devices that are
 * ONLINE or FAULT are heard from again (their status unchanged). The seeded OFFLINE ones stay
 * silent, and devices registered through `ingestDevices` get no help: the sweeper treats them
 * as it would in production.
 */
export function startDemoHeartbeats(hub: Hub, everyMs = 60_000): void {
  let running: Promise<unknown> = Promise.resolve();
  const beat = () =>
    (running = running.then(() =>
      hub.database.db
        .update(devices)
        .set({ lastHeartbeatAt: hub.clock.now() })
        .where(and(inArray(devices.status, ['ONLINE', 'FAULT']), eq(devices.source, 'iot-platform'), sql`${devices.attributes} ? ${DEMO_DEVICE_MARK}`))
        .catch((error: unknown) => hub.log.error('demo heartbeats failed', { error: String(error) })),
    ));
  void beat();
  const timer = setInterval(beat, everyMs);
  timer.unref();
  hub.onClose(async () => {
    clearInterval(timer);
    await running;
  });
}
