/**
 * Q1 of `npm run bench:query` as SQL: a street's 20 latest alerts (by occurred_at, then id,
 * newest first) with their unit and device. The floor runs it on every request; the stack
 * (bench/peers/stack.ts) once at start, then serves the rows from memory.
 */
import type { Sql } from 'postgres';

export interface Q1Alert {
  id: string;
  type: string;
  severity: string;
  status: string;
  occurredAt: Date;
  unit: { code: string; name: string; tier: string };
  device: { id: string; externalId: string; name: string; type: string; status: string } | null;
}

export async function q1Alerts(sql: Sql, street: string): Promise<Q1Alert[]> {
  const rows = await sql`
    select a.id, a.type, a.severity, a.status, a.occurred_at as "occurredAt",
           u.code as "unitCode", u.name as "unitName", u.tier as "unitTier",
           d.id as "deviceId", d.external_id as "deviceExternalId", d.name as "deviceName", d.type as "deviceType", d.status as "deviceStatus"
    from alerts a
    join units u on u.code = a.unit_code
    left join devices d on d.id = a.device_id
    where a.street_code = ${street}
    order by a.occurred_at desc, a.id desc
    limit 20`;
  return rows.map((r) => ({
    id: r['id'],
    type: r['type'],
    severity: r['severity'],
    status: r['status'],
    occurredAt: r['occurredAt'],
    unit: { code: r['unitCode'], name: r['unitName'], tier: r['unitTier'] },
    device: r['deviceId'] ? { id: r['deviceId'], externalId: r['deviceExternalId'], name: r['deviceName'], type: r['deviceType'], status: r['deviceStatus'] } : null,
  }));
}
