import { and, asc, count, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { withinPlacement } from '../../platform/db/placement.js';
import { geoSql } from '../../platform/db/geo.js';
import { abilityToSql, type FieldMap } from '../../platform/auth/ability-sql.js';
import { subject } from '../../platform/auth/ability.js';
import { requireCan, requirePrincipal } from '../../platform/auth/guard.js';
import { NotFoundError } from '../../platform/errors.js';
import { keysetCondition, pageOf, pageOrder, pageRequest, pageSize, type Page, type PageArgs, type TimeKey } from '../../platform/graphql/connection.js';
import { isUuid } from '../../platform/db/ids.js';
import { requireUnit } from '../units/index.js';
import { devices } from './device.table.js';
import { type Device } from './device.type.js';
import { toDevice } from './device.loader.js';
import type { DeviceFilter } from './device.input.js';

/** How the CASL conditions on `Device` become SQL over the devices table. */
export const deviceFields: FieldMap = {
  unitPath: { within: withinPlacement(devices) },
  type: { column: devices.type },
  status: { column: devices.status },
  source: { column: devices.source },
};

async function filterSql(db: Executor, filter: DeviceFilter | null | undefined): Promise<SQL[]> {
  if (!filter) return [];
  const where: SQL[] = [];
  if (filter.unitCode) where.push(withinPlacement(devices)((await requireUnit(db, filter.unitCode)).path));
  if (filter.types) where.push(inArray(devices.type, filter.types));
  if (filter.statuses) where.push(inArray(devices.status, filter.statuses));
  if (filter.receivedFrom) where.push(gte(devices.createdAt, filter.receivedFrom));
  if (filter.receivedTo) where.push(lt(devices.createdAt, filter.receivedTo));
  where.push(...geoSql(devices, filter));
  return where;
}

/** Newest registrations first; the caller's scope is part of the SQL, and the filter only narrows it. */
export async function listDevices(
  ctx: RequestContext,
  filter: DeviceFilter | null | undefined,
  args: PageArgs,
): Promise<Page<Device>> {
  requireCan(ctx, 'read', 'Device');
  const db = await ctx.reads.db();
  const page = pageRequest(args);
  const scope = and(abilityToSql(ctx.ability, 'read', 'Device', deviceFields), ...(await filterSql(db, filter))) as SQL;
  const keyset = keysetCondition(devices.createdAt, devices.id, page);
  const rows = await db
    .select()
    .from(devices)
    .where(keyset ? and(scope, keyset) : scope)
    .orderBy(pageOrder(devices.createdAt, devices.id, page))
    .limit(page.limit + 1);
  return pageOf(rows, page, toDevice, async () => {
    const [row] = await db.select({ n: count() }).from(devices).where(scope);
    return Number(row?.n ?? 0);
  });
}

/**
 * The devices silent longest: OFFLINE devices within the caller's scope and the filter, the one
 * heard from longest ago first and those never heard from before all others; `first` of them
 * (default 20, at most 100). A command centre's "who has gone quiet" list, sorted in SQL.
 */
export async function silentDevices(ctx: RequestContext, filter: DeviceFilter | null | undefined, first: number | null | undefined): Promise<Device[]> {
  requireCan(ctx, 'read', 'Device');
  const limit = pageSize(first);
  const db = await ctx.reads.db();
  const scope = and(abilityToSql(ctx.ability, 'read', 'Device', deviceFields), eq(devices.status, 'OFFLINE'), ...(await filterSql(db, filter))) as SQL;
  const rows = await db.select().from(devices).where(scope).orderBy(sql`${devices.lastHeartbeatAt} asc nulls first`, asc(devices.id)).limit(limit);
  return rows.map(toDevice);
}

/** One device the caller may read; otherwise NOT_FOUND, whether or not it exists. */
export async function getDevice(ctx: RequestContext, id: string): Promise<Device> {
  requirePrincipal(ctx);
  const [row] = isUuid(id) ? await ctx.db.select().from(devices).where(eq(devices.id, id)) : [];
  if (!row || !ctx.ability.can('read', subject('Device', { ...row }))) {
    if (row) ctx.ledger.denied({ operation: 'read', kind: 'Device', recordId: id, reason: 'outside scope' });
    throw new NotFoundError('Device', id);
  }
  return toDevice(row);
}

export function toDeviceKey(device: Device): TimeKey {
  return { at: device.createdAt, id: device.id };
}
