import { and, inArray, sql } from 'drizzle-orm';
import { publishIds } from '../../platform/pubsub/bus.js';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { PLACEMENT_RECORDSET, placementOf, placementRecord } from '../../platform/db/placement.js';
import { subject } from '../../platform/auth/ability.js';
import { departments } from '../principals/index.js';
import { checks, judgePlaced, placementVerdict, rejection, RecordErrorCode, RecordStatus, runIngestBatch, type IngestReport, type Verdict } from '../ingest/index.js';
import { devices, HEARTBEAT_INTERVAL_SECONDS, type DeviceStatusName } from './device.table.js';
import type { DeviceRecordInput, HeartbeatDevicesInput, IngestDevicesInput } from './device.input.js';

/**
 * Terminology
 * - registration: a DeviceRecordInput. The first one with a (source, externalId) makes the
 *   device (ACCEPTED); a later one with a different description replaces the description
 *   (UPDATED; status and heartbeats are untouched); an identical one writes nothing (DUPLICATE).
 * - heartbeat: "device X is alive at `at`" (status ONLINE, or FAULT when it reports one). Newer
 *   than the last stored heartbeat: stored, and the device's status set (UPDATED). Not newer
 *   (a retry, or an earlier heartbeat of the same device in the same batch): DUPLICATE.
 * - status change: ONLINE ↔ OFFLINE ↔ FAULT; every change publishes `deviceStatusChanged`
 *   inside the writing transaction.
 */

const HEARTBEAT_INTERVAL_LIMITS = { min: 10, max: 86_400 } as const;
/** `deviceStatusChanged` for these devices, inside the writing transaction. */
export async function publishStatusChanges(ctx: { hub: RequestContext['hub'] }, tx: Executor, ids: readonly string[]): Promise<void> {
  await publishIds(ctx.hub.bus, tx, 'deviceStatusChanged', ids);
}

function optionalText(value: string | null | undefined, field: string, max: number): Verdict | undefined {
  return value === null || value === undefined ? undefined : checks.text(value, field, max);
}

function checkRegistration(record: DeviceRecordInput): Verdict | undefined {
  const interval = record.heartbeatIntervalSeconds;
  return (
    checks.text(record.externalId, 'externalId', 200) ??
    checks.text(record.name, 'name', 200) ??
    optionalText(record.model, 'model', 100) ??
    optionalText(record.departmentCode, 'departmentCode', 100) ??
    checks.location(record.location) ??
    (interval !== null && interval !== undefined && !(Number.isInteger(interval) && interval >= HEARTBEAT_INTERVAL_LIMITS.min && interval <= HEARTBEAT_INTERVAL_LIMITS.max)
      ? rejection(RecordErrorCode.INVALID_FIELD, 'heartbeatIntervalSeconds', `heartbeatIntervalSeconds must be a whole number from ${HEARTBEAT_INTERVAL_LIMITS.min} to ${HEARTBEAT_INTERVAL_LIMITS.max}`)
      : undefined) ??
    optionalText(record.address, 'address', 200) ??
    optionalText(record.holderName, 'holderName', 50) ??
    optionalText(record.holderPhone, 'holderPhone', 40) ??
    optionalText(record.holderIdNumber, 'holderIdNumber', 40) ??
    checks.json(record.attributes, 'attributes', 16_384)
  );
}

/**
 * Registrations and updates: one batch, one transaction, one upsert statement (rows as one
 * JSON parameter). ON CONFLICT (source, external_id) DO UPDATE … WHERE the description differs:
 * an identical repeat matches no row to update, so it writes nothing and is reported DUPLICATE.
 */
export function ingestDevices(ctx: RequestContext, input: IngestDevicesInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'ingestDevices',
    subject: 'Device',
    changes: true,
    stored: { table: devices, id: devices.id, source: devices.source, externalId: devices.externalId },
    async judge(batch) {
      const named = [...new Set(batch.records.flatMap((r) => (r.departmentCode ? [r.departmentCode] : [])))];
      const known = new Set(named.length ? (await ctx.db.select({ code: departments.code }).from(departments).where(inArray(departments.code, named))).map((d) => d.code) : []);
      return judgePlaced(batch, {
        unitCode: (record) => record.unitCode,
        type: (record) => record.type,
        check: (record) =>
          checkRegistration(record) ??
          (record.departmentCode && !known.has(record.departmentCode)
            ? rejection(RecordErrorCode.INVALID_FIELD, 'departmentCode', `No department has code ${record.departmentCode}`)
            : undefined),
      });
    },
    async write(tx, { principal, source, now, records }, pending, { units }) {
      const department = principal.department?.code ?? null;
      const written = await upsertDevices(
        tx,
        source,
        now,
        pending.map((index) => {
          const record = records[index]!;
          return { record, unitPath: units.get(record.unitCode)!.path, departmentCode: record.departmentCode ?? department };
        }),
      );
      return {
        inserted: new Map(written.filter((r) => r.inserted).map((r) => [r.externalId, r.id])),
        updated: new Map(written.filter((r) => !r.inserted).map((r) => [r.externalId, r.id])),
      };
    },
  });
}

async function upsertDevices(
  tx: Executor,
  source: string,
  now: Date,
  records: { record: DeviceRecordInput; unitPath: string; departmentCode: string | null }[],
): Promise<{ id: string; externalId: string; inserted: boolean }[]> {
  const rows = records.map(({ record, unitPath, departmentCode }) => {
    const placement = placementOf(unitPath);
    return {
      external_id: record.externalId,
      type: record.type,
      name: record.name,
      model: record.model ?? null,
      department_code: departmentCode,
      lat: record.location?.lat ?? null,
      lng: record.location?.lng ?? null,
      heartbeat_interval_seconds: record.heartbeatIntervalSeconds ?? HEARTBEAT_INTERVAL_SECONDS[record.type],
      address: record.address ?? null,
      holder_name: record.holderName ?? null,
      holder_phone: record.holderPhone ?? null,
      holder_id_number: record.holderIdNumber ?? null,
      attributes: record.attributes ?? {},
      ...placementRecord(placement),
    };
  });
  const described = sql.raw(
    'type, name, model, department_code, lat, lng, heartbeat_interval_seconds, address, holder_name, holder_phone, holder_id_number, attributes, unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code',
  );
  const excluded = sql.raw(
    'excluded.type, excluded.name, excluded.model, excluded.department_code, excluded.lat, excluded.lng, excluded.heartbeat_interval_seconds, excluded.address, excluded.holder_name, excluded.holder_phone, excluded.holder_id_number, excluded.attributes, excluded.unit_code, excluded.unit_path, excluded.city_code, excluded.district_code, excluded.street_code, excluded.community_code, excluded.grid_code',
  );
  const current = sql.raw(
    'd.type, d.name, d.model, d.department_code, d.lat, d.lng, d.heartbeat_interval_seconds, d.address, d.holder_name, d.holder_phone, d.holder_id_number, d.attributes, d.unit_code, d.unit_path, d.city_code, d.district_code, d.street_code, d.community_code, d.grid_code',
  );
  const written = await executeRows<{ id: string; external_id: string; inserted: boolean }>(
    tx,
    sql`insert into ${devices} as d (source, external_id, created_at, ${described})
        select ${source}, r.external_id, ${now.toISOString()}::timestamptz,
               r.type, r.name, r.model, r.department_code, r.lat, r.lng, r.heartbeat_interval_seconds, r.address, r.holder_name, r.holder_phone, r.holder_id_number,
               coalesce(r.attributes, '{}'::jsonb), r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
          from json_to_recordset(${JSON.stringify(rows)}::json) as r(
               external_id text, type text, name text, model text, department_code text, lat double precision, lng double precision,
               heartbeat_interval_seconds integer, address text, holder_name text, holder_phone text, holder_id_number text, attributes jsonb,
               ${PLACEMENT_RECORDSET})
        on conflict (source, external_id) do update set (${described}) = (${excluded})
         where (${current}) is distinct from (${excluded})
        returning d.id, d.external_id, (d.xmax::text = '0') as inserted`,
  );
  return written.map((row) => ({ id: row.id, externalId: row.external_id, inserted: row.inserted }));
}

/**
 * Heartbeats: the devices are found by one query (under the batch's source, or the adapter's
 * own name for `name/subsystem` sources; the exact source wins), checked against the ability
 * as stored, and updated by one statement that returns each device's status before and after.
 * One heartbeat per device is applied: its latest (the last sent, on a tie); the others in the
 * batch are superseded (DUPLICATE).
 */
export function heartbeatDevices(ctx: RequestContext, input: HeartbeatDevicesInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'heartbeatDevices',
    subject: 'Device',
    changes: true,
    async judge({ principal, now, source, records: beats }) {
      const adapter = source.split('/')[0] ?? source;
      const wanted = [...new Set(beats.map((b) => b.externalId))];
      const found = await ctx.db
        .select()
        .from(devices)
        .where(and(inArray(devices.externalId, wanted), inArray(devices.source, [...new Set([source, adapter])])));
      const byExternalId = new Map<string, (typeof found)[number]>();
      for (const row of found) if (!byExternalId.has(row.externalId) || row.source === source) byExternalId.set(row.externalId, row);
      const verdicts = beats.map((beat): Verdict => {
        const invalid =
          checks.text(beat.externalId, 'externalId', 200) ??
          checks.time(beat.at, 'at', now, 10 * 60 * 1000) ??
          (beat.status === 'OFFLINE' ? rejection(RecordErrorCode.INVALID_FIELD, 'status', 'a heartbeat says ONLINE or FAULT; OFFLINE is for the hub to decide') : undefined);
        if (invalid) return invalid;
        const device = byExternalId.get(beat.externalId);
        if (!device) return rejection(RecordErrorCode.UNKNOWN_RECORD, 'externalId', `No device ${beat.externalId} is registered by ${source === adapter ? adapter : `${source} or ${adapter}`}`);
        if (ctx.ability.can('ingest', subject('Device', { ...device }))) return { status: 'pending' };
        return placementVerdict(ctx.ability, principal, 'Device', { unitPath: device.unitPath, type: device.type });
      });
      return { verdicts, byExternalId };
    },
    supersede({ records: beats }, verdicts) {
      const latest = new Map<string, number>();
      beats.forEach((beat, index) => {
        if (verdicts[index]?.status !== 'pending') return;
        const best = latest.get(beat.externalId);
        if (best === undefined || beat.at.getTime() >= beats[best]!.at.getTime()) latest.set(beat.externalId, index);
      });
      beats.forEach((beat, index) => {
        const winner = latest.get(beat.externalId);
        if (verdicts[index]?.status === 'pending' && winner !== undefined && winner !== index) verdicts[index] = { status: RecordStatus.DUPLICATE, firstIndex: winner };
      });
    },
    async write(tx, { records: beats }, pending, { byExternalId }) {
      const known = new Map(pending.map((index) => [beats[index]!.externalId, byExternalId.get(beats[index]!.externalId)!.id]));
      const rows = pending.map((index) => ({ id: known.get(beats[index]!.externalId)!, at: beats[index]!.at.toISOString(), status: (beats[index]!.status ?? 'ONLINE') as DeviceStatusName }));
      const changed = await executeRows<{ id: string; previous: DeviceStatusName; status: DeviceStatusName }>(
        tx,
        sql`with r as (select * from json_to_recordset(${JSON.stringify(rows)}::json) as r(id uuid, at timestamptz, status text)),
                 before as (select d.id, d.status from ${devices} d join r on r.id = d.id
                             where d.last_heartbeat_at is null or r.at > d.last_heartbeat_at
                             order by d.id for update of d)
            update ${devices} d set last_heartbeat_at = r.at, status = r.status
              from r join before on before.id = r.id
             where d.id = r.id
         returning d.id, before.status as previous, d.status`,
      );
      const transitions = changed.filter((row) => row.previous !== row.status).map((row) => row.id);
      await publishStatusChanges(ctx, tx, transitions);
      const applied = new Set(changed.map((row) => row.id));
      return {
        inserted: new Map(),
        updated: new Map([...known].filter(([, id]) => applied.has(id))),
        known,
        details: { statusChanges: transitions.length },
      };
    },
  });
}
