import { sql } from 'drizzle-orm';
import type { Hub } from '../../platform/context.js';
import type { Job } from '../../platform/scheduler.js';
import { executeRows } from '../../platform/db/rows.js';
import { devices, publishStatusChanges, type DeviceTypeName } from '../devices/index.js';
import { raiseAlerts, type SeverityName, type SystemAlert } from '../alerts/index.js';
import { appendAudit, type AuditActor } from '../audit/index.js';

/**
 * Terminology
 * - silent: an ONLINE device whose last heartbeat (its registration, if it never sent one) is
 *   older than its heartbeat interval × the grace factor (config `deviceSilenceGrace`).
 * - sweep: one UPDATE … WHERE status = 'ONLINE' AND silent … RETURNING: it marks the silent
 *   devices OFFLINE, and the rows it returns are the devices this sweep — and no other, on any
 *   hub process — raises a DEVICE_OFFLINE alert for (a concurrent sweep waits on the row locks,
 *   then finds them OFFLINE and skips them). In the same transaction: the alerts (through the
 *   alerts' own insert, so `alertRaised` fires), `deviceStatusChanged`, and an audit entry.
 * A device that is FAULT is alive (it reports a fault) and is not swept; a heartbeat brings an
 * OFFLINE device back ONLINE (device.ingest.ts).
 */

export const WATCHDOG_SOURCE = 'gridhub/watchdog';
const WATCHDOG_ACTOR: AuditActor = { actor: WATCHDOG_SOURCE, actorKind: 'SYSTEM', unitCode: null, unitPath: null, purpose: null };
/** At most this many devices per sweep transaction; a longer backlog is taken by the next rounds. */
const SWEEP_LIMIT = 1000;

/** How serious a silent device is: an elderly resident's alarm button that cannot call is. */
const OFFLINE_SEVERITY: Readonly<Record<DeviceTypeName, SeverityName>> = {
  SMOKE_DETECTOR: 'MEDIUM',
  MANHOLE_COVER: 'LOW',
  FIRE_HYDRANT: 'MEDIUM',
  ELEVATOR_EBIKE_BLOCKER: 'LOW',
  HIGH_THROW_CAMERA: 'LOW',
  PARKING_SENSOR: 'LOW',
  ELDERLY_ALARM_BUTTON: 'HIGH',
  SMART_GARBAGE_ROOM: 'LOW',
  CAMERA: 'LOW',
};

interface SweepResult {
  /** Devices marked OFFLINE by this sweep. */
  offline: string[];
  /** DEVICE_OFFLINE alerts raised for them. */
  alerts: string[];
}

interface SilentRow {
  id: string;
  external_id: string;
  type: DeviceTypeName;
  lat: number | null;
  lng: number | null;
  unit_path: string;
  heard_at: string;
  heartbeat_interval_seconds: number;
  last_heartbeat_at: string | null;
}

/** One sweep as of `hub.clock.now()`; loops until no silent device is left. */
export async function sweepSilentDevices(hub: Hub): Promise<SweepResult> {
  const result: SweepResult = { offline: [], alerts: [] };
  for (;;) {
    const round = await sweepOnce(hub);
    result.offline.push(...round.offline);
    result.alerts.push(...round.alerts);
    if (round.offline.length < SWEEP_LIMIT) return result;
  }
}

async function sweepOnce(hub: Hub): Promise<SweepResult> {
  const now = hub.clock.now();
  const grace = hub.config.deviceSilenceGrace;
  return hub.database.db.transaction(async (tx) => {
    const silent = await executeRows<SilentRow>(
      tx,
      sql`with due as (
            select id from ${devices}
             where status = 'ONLINE'
               and coalesce(last_heartbeat_at, created_at) + make_interval(secs => heartbeat_interval_seconds * ${grace}::float8) < ${now.toISOString()}::timestamptz
             order by id limit ${SWEEP_LIMIT}
             for update skip locked)
          update ${devices} d set status = 'OFFLINE'
            from due
           where d.id = due.id and d.status = 'ONLINE'
       returning d.id, d.external_id, d.type, d.lat, d.lng, d.unit_path, d.heartbeat_interval_seconds,
                 d.last_heartbeat_at, coalesce(d.last_heartbeat_at, d.created_at) as heard_at`,
    );
    if (silent.length === 0) return { offline: [], alerts: [] };
    const records: SystemAlert[] = silent.map((row) => {
      const heardAt = new Date(row.heard_at);
      const silentSince = new Date(heardAt.getTime() + row.heartbeat_interval_seconds * grace * 1000);
      return {
        // One alert per silence: the same device falling silent again after a new heartbeat gets a new one.
        externalId: `offline:${row.id}:${heardAt.toISOString()}`,
        type: 'DEVICE_OFFLINE',
        severity: OFFLINE_SEVERITY[row.type],
        occurredAt: silentSince,
        deviceId: row.id,
        deviceExternalId: row.external_id,
        location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
        payload: {
          lastHeartbeatAt: row.last_heartbeat_at === null ? null : new Date(row.last_heartbeat_at).toISOString(),
          heartbeatIntervalSeconds: row.heartbeat_interval_seconds,
          silentMinutes: Math.floor((now.getTime() - heardAt.getTime()) / 60_000),
        },
        unitPath: row.unit_path,
      };
    });
    const offline = silent.map((row) => row.id);
    const alerts = await raiseAlerts(hub, tx, WATCHDOG_SOURCE, records);
    await publishStatusChanges({ hub }, tx, offline);
    await appendAudit(tx, WATCHDOG_ACTOR, now, [
      { operation: 'sweepSilentDevices', kind: 'Device', recordIds: offline, details: { offline: offline.length, alerts: alerts.length, grace } },
    ]);
    return { offline, alerts };
  });
}

/**
 * The sweep every DEVICE_SWEEP_SECONDS on every hub process (0: never; tests call
 * sweepSilentDevices themselves); the sweep itself makes sure each silence is handled once.
 */
export const deviceSweep: Job = {
  name: 'device sweep',
  every: (config) => config.deviceSweepSeconds,
  async run(hub) {
    const { offline } = await sweepSilentDevices(hub);
    if (offline.length) hub.log.info('devices fell silent', { offline: offline.length });
  },
};
