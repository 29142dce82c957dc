import { and, eq, gte, inArray, lt, sql, count, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Hub, RequestContext } from '../../platform/context.js';
import { publishIds } from '../../platform/pubsub/bus.js';
import type { Executor } from '../../platform/db/database.js';
import { executeRows } from '../../platform/db/rows.js';
import { tableReader } from '../../platform/db/reader.js';
import { PLACEMENT_RECORDSET, placementOf, placementRecord, tierColumn, withinPlacement } from '../../platform/db/placement.js';
import { geoSql } from '../../platform/db/geo.js';
import { isUuid } from '../../platform/db/ids.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors.js';
import { CST_TIME_ZONE } from '../../platform/time.js';
import { homeOf } from '../../platform/auth/principal.js';
import { TIERS } from '../../platform/auth/scope.js';
import { keysetCondition, pageLimit, pageOf, pageOrder, pageRequest, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { selectsOnly } from '../../platform/graphql/lookahead.js';
import { createUnitLoaders, requireUnit, toUnit, UNIT_KEYS, units, unitsByCodes, type Unit, type UnitRow } from '../units/index.js';
import { createDeviceLoaders, DEVICE_KEYS, devices, toDevice, type Device } from '../devices/index.js';
import { checks, judgePlaced, runIngestBatch, type IngestReport } from '../ingest/index.js';
import { audit } from '../audit/index.js';
import { alerts, type AlertRow, type AlertTypeName, type SeverityName } from './alert.table.js';
import { afterAlertsInserted, type InsertedAlert } from './alert.hooks.js';
import { Alert, AlertCount, type AlertCountKeyName } from './alert.type.js';
import { AlertRecordInput, type AlertFilter, type IngestAlertsInput } from './alert.input.js';

/** How the CASL conditions on `Alert` become SQL over the alerts table. */
export const alertFields: FieldMap = {
  unitPath: { within: withinPlacement(alerts) },
  type: { column: alerts.type },
  severity: { column: alerts.severity },
  status: { column: alerts.status },
  source: { column: alerts.source },
};

/** The columns `toAlert` reads: the alert page reads these and no others. */
export const ALERT_KEYS = [
  'id',
  'externalId',
  'source',
  'type',
  'severity',
  'status',
  'occurredAt',
  'receivedAt',
  'lat',
  'lng',
  'payload',
  'deviceExternalId',
  'acknowledgedAt',
  'deviceId',
  'unitCode',
  'unitPath',
] as const satisfies readonly (keyof AlertRow)[];

export function toAlert(row: Pick<AlertRow, (typeof ALERT_KEYS)[number]>): Alert {
  return Object.assign(new Alert(), {
    id: row.id,
    externalId: row.externalId,
    source: row.source,
    type: row.type,
    severity: row.severity,
    status: row.status,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    location: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    payload: row.payload,
    deviceExternalId: row.deviceExternalId,
    acknowledgedAt: row.acknowledgedAt,
    deviceId: row.deviceId,
    unitCode: row.unitCode,
    unitPath: row.unitPath,
  });
}

/** The filter as SQL; `unitCode` resolves to the unit's subtree (NOT_FOUND for no such unit). */
async function filterSql(db: Executor, filter: AlertFilter | null | undefined, unit?: UnitRow): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(alerts)((unit ?? (await requireUnit(db, filter.unitCode))).path));
  if (filter.types) where.push(inArray(alerts.type, filter.types));
  if (filter.severities) where.push(inArray(alerts.severity, filter.severities));
  if (filter.statuses) where.push(inArray(alerts.status, filter.statuses));
  if (filter.from) where.push(gte(alerts.occurredAt, filter.from));
  if (filter.to) where.push(lt(alerts.occurredAt, filter.to));
  if (filter.receivedFrom) where.push(gte(alerts.receivedAt, filter.receivedFrom));
  if (filter.receivedTo) where.push(lt(alerts.receivedAt, filter.receivedTo));
  where.push(...geoSql(alerts, filter));
  return where;
}

const ALERT_READER = tableReader(alerts, 'a.', undefined, ALERT_KEYS);
const UNIT_READER = tableReader(units, 'u.', undefined, UNIT_KEYS);
const DEVICE_READER = tableReader(devices, 'd.', undefined, DEVICE_KEYS);

/**
 * A page whose selection stays within these fields reads the alert's lean columns: its key and
 * links, and everything the Alert rules test (`alertFields`). Any other field, a field added
 * later included, reads `ALERT_KEYS`. Two column sets, not one per selection: each is a
 * prepared statement on every connection.
 */
const LEAN_ALERT_FIELDS = new Set(['__typename', 'id', 'source', 'type', 'severity', 'status', 'occurredAt', 'unit', 'device', 'case']);
const LEAN_ALERT_READER = tableReader(alerts, 'a.', undefined, ['id', 'occurredAt', 'source', 'type', 'severity', 'status', 'deviceId', 'unitCode', 'unitPath']);
/**
 * The same for the alert's device: the fields a list shows, plus what the Device rules test
 * (`unitPath`, `type`). The personal fields, masked or not, are never read lean.
 */
const LEAN_DEVICE_FIELDS = new Set(['__typename', 'id', 'source', 'externalId', 'type', 'name', 'status', 'departmentCode', 'unit']);
const LEAN_DEVICE_READER = tableReader(devices, 'd.', undefined, ['id', 'source', 'externalId', 'type', 'name', 'status', 'departmentCode', 'unitCode', 'unitPath']);

/**
 * The devices a page read, by alert. Lean ones are partial records, so never primed into the
 * request's device loader (another field of the same request may need the columns they
 * lack); whole ones are primed too. The `device` field of these alerts answers from here at
 * once, without a promise: 20 alerts whose fields all resolve synchronously cost graphql-js
 * no promise per alert.
 */
const JOINED_DEVICE = Symbol('joinedDevice');
/** The units a page read, by alert (also primed into the unit loader): the `unit` field answers from here at once. */
const JOINED_UNIT = Symbol('joinedUnit');

/**
 * An alert of a page with what the page read beside it, under symbol keys: two WeakMaps keyed
 * by alert (their set was the hub's dearest own step of `alerts`, 40 new keys a page) hold
 * nothing more. Symbol keys never reach a GraphQL answer or JSON.
 */
interface JoinedAlert extends Alert {
  [JOINED_DEVICE]?: Device | null;
  [JOINED_UNIT]?: Unit | null;
}

/** The device read with `alert`'s page (`null`: none, or not registered); `undefined` when the page did not read it. */
export function joinedDevice(alert: Alert): Device | null | undefined {
  return (alert as JoinedAlert)[JOINED_DEVICE];
}

/** The unit read with `alert`'s page; `undefined` when the page did not read it. */
export function joinedUnit(alert: Alert): Unit | null | undefined {
  return (alert as JoinedAlert)[JOINED_UNIT];
}

/** What a page reads beside its alerts; `node` and `device`: the field names selected there, when known. */
interface AlertPageInclude {
  unit?: boolean;
  device?: boolean;
  node?: ReadonlySet<string>;
  deviceFields?: ReadonlySet<string>;
}

/** Newest first; the caller's scope is part of the SQL, and the filter only narrows it. */
export async function listAlerts(
  ctx: RequestContext,
  filter: AlertFilter | null | undefined,
  args: PageArgs,
  include: AlertPageInclude = {},
): Promise<Page<Alert>> {
  requireCan(ctx, 'read', 'Alert');
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Alert', alertFields), ...(await filterSql(db, filter))) as SQL;
  const keyset = keysetCondition(alerts.occurredAt, alerts.id, page);
  const where = keyset ? and(scope, keyset) : scope;
  // One statement for the page and what the selection links it to; the loaders then answer
  // from memory. Read without drizzle's query builder: this is the hub's hottest statement.
  // Lean reads leave the other columns undefined in the row: toAlert and toDevice then make
  // objects whose unread fields are never resolved, since the selection does not reach them.
  const alertReader = (selectsOnly(include.node, LEAN_ALERT_FIELDS) ? LEAN_ALERT_READER : ALERT_READER) as typeof ALERT_READER;
  const leanDevice = selectsOnly(include.deviceFields, LEAN_DEVICE_FIELDS);
  const deviceReader = (leanDevice ? LEAN_DEVICE_READER : DEVICE_READER) as typeof DEVICE_READER;
  const rows = await executeRows<Record<string, unknown>>(
    db,
    sql`select ${alertReader.columns}${include.unit ? sql`, ${UNIT_READER.columns}` : sql``}${include.device ? sql`, ${deviceReader.columns}` : sql``}
      from ${alerts}${include.unit ? sql` left join ${units} on ${units.code} = ${alerts.unitCode}` : sql``}${include.device ? sql` left join ${devices} on ${devices.id} = ${alerts.deviceId}` : sql``}
      where ${where}
      order by ${pageOrder(alerts.occurredAt, alerts.id, page)}
      limit ${pageLimit(page.limit)}`,
  );
  const unitLoader = include.unit ? ctx.loaders.of(createUnitLoaders).unitByCode : undefined;
  const deviceLoader = include.device && !leanDevice ? ctx.loaders.of(createDeviceLoaders).deviceById : undefined;
  const linked = new Map<object, { unit?: Unit | null; device?: Device | null }>();
  const alertRows = rows.map((row) => {
    const alert = alertReader.read(row)!;
    const links: { unit?: Unit | null; device?: Device | null } = {};
    if (unitLoader) {
      const unitRow = UNIT_READER.read(row);
      links.unit = unitRow ? toUnit(unitRow) : null;
      unitLoader.prime(alert.unitCode, links.unit);
    }
    if (alert.deviceId && include.device) {
      const deviceRow = deviceReader.read(row);
      links.device = deviceRow ? toDevice(deviceRow) : null;
      deviceLoader?.prime(alert.deviceId, links.device);
    }
    linked.set(alert, links);
    return alert;
  });
  const toNode = (row: (typeof alertRows)[number]): Alert => {
    const alert: JoinedAlert = toAlert(row);
    const links = linked.get(row);
    if (links?.unit !== undefined) alert[JOINED_UNIT] = links.unit;
    if (links?.device !== undefined) alert[JOINED_DEVICE] = links.device;
    return alert;
  };
  return pageOf(alertRows, page, toNode, async () => {
    const [row] = await db.select({ n: count() }).from(alerts).where(scope);
    return Number(row?.n ?? 0);
  });
}


/** More groups than this is a question for an export, not a query: narrow the filter. */
const MAX_ALERT_COUNT_GROUPS = 10_000;

/**
 * Counts of the alerts the caller may see that match the filter, grouped by `groupBy`. The scope
 * is in the SQL, as for `alerts`, so the counts add up to that list's `totalCount`. CHILD_UNIT
 * groups by the column of the tier below the filter's unit (or the caller's own unit).
 */
export async function countAlerts(ctx: RequestContext, filter: AlertFilter | null | undefined, groupBy: readonly AlertCountKeyName[]): Promise<AlertCount[]> {
  const principal = requirePrincipal(ctx);
  requireCan(ctx, 'read', 'Alert');
  const db = await ctx.reads.db();
  const keys = [...new Set(groupBy)];
  const filterUnit = filter?.unitCode ? await requireUnit(db, filter.unitCode) : undefined;
  const scope = and(abilityToSql(ctx.ability, 'read', 'Alert', alertFields), ...(await filterSql(db, filter, filterUnit))) as SQL;

  let parent: UnitRow | undefined;
  const columns: Partial<Record<AlertCountKeyName, SQL | AnyPgColumn>> = {};
  for (const key of keys) {
    switch (key) {
      case 'CHILD_UNIT': {
        const home = homeOf(principal);
        parent = filterUnit ?? (home ? await requireUnit(db, home.code) : undefined);
        const childTier = parent ? TIERS[TIERS.indexOf(parent.tier) + 1] : undefined;
        if (!parent || !childTier) throw new BadUserInputError(`${parent ? `${parent.name} (${parent.code}) has no child units` : 'no unit to take the children of'}: name a unitCode above the grid tier in the filter`, 'groupBy');
        columns.CHILD_UNIT = tierColumn(alerts, childTier);
        break;
      }
      case 'DAY':
        columns.DAY = sql<string>`to_char((${alerts.occurredAt} at time zone ${sql.raw(`'${CST_TIME_ZONE}'`)})::date, 'YYYY-MM-DD')`;
        break;
      case 'TYPE':
        columns.TYPE = alerts.type;
        break;
      case 'SEVERITY':
        columns.SEVERITY = alerts.severity;
        break;
      case 'STATUS':
        columns.STATUS = alerts.status;
        break;
    }
  }
  // The groups are made in a materialized CTE and only then sorted and cut at the limit. With
  // the limit on the grouping itself, the planner (which cannot tell how many days a month's
  // rows fall on, and guesses a group per row) expected to stop early and chose to walk an index
  // already sorted by the child unit, filtering out the other districts' rows and sorting each
  // street's rows by day: 135 ms for a district's month (82,200 alerts) against 73 ms for the
  // CTE, which hashes the groups of one index range scan and sorts the 480 groups.
  const keyNames = Object.keys(columns) as AlertCountKeyName[];
  const positions = sql.raw(keyNames.map((_, i) => String(i + 1)).join(', '));
  const selected = sql.join([...keyNames.map((key) => sql`${columns[key]} as ${sql.identifier(key)}`), sql`count(*) as "count"`], sql`, `);
  const rows = await executeRows<Record<string, string | number | bigint | null>>(
    db,
    sql`with grouped as materialized (select ${selected} from ${alerts} where ${scope}${keyNames.length > 0 ? sql` group by ${positions}` : sql``})
      select * from grouped${keyNames.length > 0 ? sql` order by ${positions}` : sql``} limit ${sql.raw(String(MAX_ALERT_COUNT_GROUPS + 1))}`,
  );
  if (rows.length > MAX_ALERT_COUNT_GROUPS) throw new BadUserInputError(`more than ${MAX_ALERT_COUNT_GROUPS} groups: narrow the filter (a unit, a time range) or group by fewer keys`, 'groupBy');

  const childCodes = parent ? [...new Set(rows.map((row) => row['CHILD_UNIT']).filter((code): code is string => typeof code === 'string'))] : [];
  const children = await unitsByCodes(db, childCodes);
  return rows.map((row) => {
    const code = row['CHILD_UNIT'];
    const unitRow = parent ? (typeof code === 'string' ? children.get(code) : parent) : undefined;
    return Object.assign(new AlertCount(), {
      unit: unitRow ? toUnit(unitRow) : null,
      day: (row['DAY'] as string | undefined) ?? null,
      type: (row['TYPE'] as AlertCount['type'] | undefined) ?? null,
      severity: (row['SEVERITY'] as AlertCount['severity'] | undefined) ?? null,
      status: (row['STATUS'] as AlertCount['status'] | undefined) ?? null,
      count: Number(row['count']),
    });
  });
}

/**
 * One alert the caller may read; otherwise NOT_FOUND, whether or not it exists. When it exists
 * outside the caller's scope, the attempt (`action`: what the caller meant to do with it) is
 * noted as a denial for the audit log; the answer is the same.
 */
export async function getAlert(ctx: RequestContext, id: string, action = 'read'): Promise<Alert> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await ctx.db.select().from(alerts).where(eq(alerts.id, id)) : [];
  if (!row) throw new NotFoundError('Alert', id);
  if (!ctx.ability.can('read', subject('Alert', { ...row }))) {
    ctx.ledger.denied({ operation: action, kind: 'Alert', recordId: row.id, reason: 'outside the caller’s scope: answered NOT_FOUND' });
    throw new NotFoundError('Alert', id);
  }
  return toAlert(row);
}

export async function acknowledgeAlert(ctx: RequestContext, id: string): Promise<Alert> {
  const alert = await getAlert(ctx, id, 'acknowledge');
  if (!ctx.ability.can('acknowledge', subject('Alert', { ...alert }))) throw new ForbiddenError('acknowledge', 'Alert', undefined, alert.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(alerts)
      .set({ status: 'ACKNOWLEDGED', acknowledgedAt: ctx.hub.clock.now(), acknowledgedBy: ctx.principal.name })
      .where(and(eq(alerts.id, id), eq(alerts.status, 'OPEN')))
      .returning();
    if (updated) await audit(ctx, tx, { operation: 'acknowledgeAlert', kind: 'Alert', recordIds: [updated.id] });
    return updated;
  });
  if (!row) {
    // Re-read: a concurrent acknowledgement may have changed the status since getAlert.
    const current = await getAlert(ctx, id, 'acknowledge');
    throw new ConflictError(`Alert ${id} is ${current.status}; only an OPEN alert can be acknowledged`, { status: current.status });
  }
  return toAlert(row);
}

export async function alertsByIds(db: Executor, ids: readonly string[]): Promise<AlertRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(alerts).where(inArray(alerts.id, [...ids]));
}

/**
 * One batch, on the contract every kind shares (`runIngestBatch`). Records are checked in
 * memory after one query for their units; the good ones are inserted by one statement (devices
 * found in it) with ON CONFLICT DO NOTHING, so a retried batch reports duplicates and never
 * makes a second record. Events are published inside the transaction and reach subscribers
 * only once it commits.
 */
export function ingestAlerts(ctx: RequestContext, input: IngestAlertsInput): Promise<IngestReport> {
  return runIngestBatch(ctx, input, {
    operation: 'ingestAlerts',
    subject: 'Alert',
    stored: { table: alerts, id: alerts.id, source: alerts.source, externalId: alerts.externalId },
    judge: (batch) =>
      judgePlaced(batch, {
        unitCode: (record) => record.unitCode,
        type: (record) => record.type,
        check: (record) =>
          checks.text(record.externalId, 'externalId', 200) ??
          checks.time(record.occurredAt, 'occurredAt', batch.now) ??
          checks.location(record.location) ??
          (record.deviceExternalId != null ? checks.text(record.deviceExternalId, 'deviceExternalId', 200) : undefined) ??
          checks.json(record.payload, 'payload', 16_384),
      }),
    async write(tx, { source, now, records }, pending, { units }) {
      const inserted = await insertAlerts(
        tx,
        source,
        now,
        pending.map((index) => ({ record: records[index]!, unitPath: units.get(records[index]!.unitCode)!.path })),
      );
      const ids = inserted.map((r) => r.id);
      const drafts = await afterAlertsInserted(ctx, tx, inserted);
      await publishIds(ctx.hub.bus, tx, 'alertRaised', ids);
      return { inserted: new Map(inserted.map((r) => [r.externalId, r.id])), audit: drafts };
    },
  });
}

/** An alert the hub raises itself (a device fell silent): for its device, where the device is. */
export interface SystemAlert {
  externalId: string;
  type: AlertTypeName;
  severity: SeverityName;
  occurredAt: Date;
  deviceId: string;
  deviceExternalId: string;
  location: { lat: number; lng: number } | null;
  payload: Record<string, unknown>;
  unitPath: string;
}

/**
 * Alerts raised by the hub (source `gridhub/…`), inside the caller's transaction: the same
 * insert as ingested alerts (ON CONFLICT (source, external_id) DO NOTHING, so raising the same
 * alert twice stores it once) and the same `alertRaised` event. Returns the ids stored now.
 */
export async function raiseAlerts(hub: Hub, tx: Executor, source: string, records: readonly SystemAlert[]): Promise<string[]> {
  if (records.length === 0) return [];
  const inserted = await insertAlerts(
    tx,
    source,
    hub.clock.now(),
    records.map((alert) => ({
      record: Object.assign(new AlertRecordInput(), {
        externalId: alert.externalId,
        type: alert.type,
        severity: alert.severity,
        occurredAt: alert.occurredAt,
        unitCode: '',
        deviceExternalId: alert.deviceExternalId,
        location: alert.location,
        payload: alert.payload,
      }),
      deviceId: alert.deviceId,
      unitPath: alert.unitPath,
    })),
  );
  await publishIds(hub.bus, tx, 'alertRaised', inserted.map((r) => r.id));
  return inserted.map((r) => r.id);
}

/**
 * Inserts the batch's valid records in one statement: the rows travel as one JSON parameter
 * (`json_to_recordset`), not as 18 parameters a row, and each row's device is found in the same
 * statement. A device is looked up under the batch's source and under the adapter's own name
 * (`iot-platform/gateway-7` finds devices registered by `iot-platform`); an exact source match
 * wins; an unknown device leaves `device_id` null. ON CONFLICT DO NOTHING: a record already
 * stored (or being stored by a concurrent batch) is not returned, and is reported DUPLICATE.
 * It returns what the alert rules need of each row written, so that nothing reads them again.
 */
async function insertAlerts(
  tx: Executor,
  source: string,
  now: Date,
  records: { record: AlertRecordInput; unitPath: string; deviceId?: string }[],
): Promise<InsertedAlert[]> {
  const adapter = source.split('/')[0] ?? source;
  // A batch's records sit in far fewer units than there are records: each unit's path is split once.
  const placements = new Map<string, ReturnType<typeof placementOf>>();
  const rows = records.map(({ record, unitPath, deviceId }) => {
    let placement = placements.get(unitPath);
    if (!placement) placements.set(unitPath, (placement = placementOf(unitPath)));
    return {
      device_id: deviceId ?? null,
      external_id: record.externalId,
      type: record.type,
      severity: record.severity,
      occurred_at: record.occurredAt.toISOString(),
      device_external_id: record.deviceExternalId ?? null,
      lat: record.location?.lat ?? null,
      lng: record.location?.lng ?? null,
      payload: record.payload ?? {},
      ...placementRecord(placement),
    };
  });
  const inserted = await executeRows<{ id: string; external_id: string; type: AlertTypeName; severity: SeverityName; unit_path: string; lat: number | null; lng: number | null }>(
    tx,
    sql`insert into ${alerts} (source, external_id, type, severity, occurred_at, received_at, device_id, device_external_id, lat, lng, payload,
                               unit_code, unit_path, city_code, district_code, street_code, community_code, grid_code)
        select ${source}, r.external_id, r.type, r.severity, r.occurred_at, ${now.toISOString()}::timestamptz,
               coalesce(r.device_id, (select d.id from ${devices} d
                 where d.external_id = r.device_external_id and d.source in (${source}, ${adapter})
                 order by (d.source = ${source}) desc limit 1)),
               r.device_external_id, r.lat, r.lng, r.payload,
               r.unit_code, r.unit_path, r.city_code, r.district_code, r.street_code, r.community_code, r.grid_code
          from json_to_recordset(${JSON.stringify(rows)}::json) as r(
               device_id uuid, external_id text, type text, severity text, occurred_at timestamptz, device_external_id text,
               lat double precision, lng double precision, payload jsonb,
               ${PLACEMENT_RECORDSET})
        on conflict (source, external_id) do nothing
        returning id, external_id, type, severity, unit_path, lat, lng`,
  );
  return inserted.map((row) => ({ id: row.id, externalId: row.external_id, type: row.type, severity: row.severity, unitPath: row.unit_path, lat: row.lat, lng: row.lng }));
}

export function toAlertKey(alert: Alert): TimeKey {
  return { at: alert.occurredAt, id: alert.id };
}
