import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { FieldMap } from '../../platform/auth/ability-sql.js';
import type { PlacementTable } from '../../platform/db/placement.js';
import { alerts, alertFields } from '../alerts/index.js';
import { residentRequests, requestFields } from '../requests/index.js';
import { devices, deviceFields } from '../devices/index.js';
import { cases, caseFields } from '../cases/index.js';

/**
 * What `stats` can count. Each kind names its CASL subject (the same rules as its list), its
 * table, the time the range `[from, to)` applies to, and the columns TYPE and STATUS group by.
 *
 * - ALERTS: time `occurredAt`; TYPE the alert type; STATUS OPEN/ACKNOWLEDGED/RESOLVED/DISMISSED.
 * - REQUESTS: resident requests; time `submittedAt`; TYPE the category; STATUS the request status.
 * - DEVICES: time `createdAt` (registration): leave `from` out to count the whole fleet as of
 *   `to`; STATUS the current ONLINE/OFFLINE/FAULT.
 * - CASES: cases that happened within the unit (their placement, not their assignee); time
 *   `openedAt`; TYPE the event category; STATUS the current state (REPORTED … CLOSED, REJECTED,
 *   SUSPENDED).
 */
export const STATS_KINDS = ['ALERTS', 'REQUESTS', 'DEVICES', 'CASES'] as const;
export type StatsKindName = (typeof STATS_KINDS)[number];

export const STATS_GROUPS = ['TYPE', 'CHILD_UNIT', 'DAY', 'STATUS'] as const;
export type StatsGroupName = (typeof STATS_GROUPS)[number];

export interface StatsKindSpec {
  subject: string;
  table: PgTable & PlacementTable;
  time: PgColumn;
  type: PgColumn;
  status: PgColumn;
  fields: FieldMap;
}

export const STATS_KIND_SPECS: Record<StatsKindName, StatsKindSpec> = {
  ALERTS: { subject: 'Alert', table: alerts, time: alerts.occurredAt, type: alerts.type, status: alerts.status, fields: alertFields },
  REQUESTS: {
    subject: 'ResidentRequest',
    table: residentRequests,
    time: residentRequests.submittedAt,
    type: residentRequests.category,
    status: residentRequests.status,
    fields: requestFields,
  },
  DEVICES: { subject: 'Device', table: devices, time: devices.createdAt, type: devices.type, status: devices.status, fields: deviceFields },
  CASES: { subject: 'Case', table: cases, time: cases.openedAt, type: cases.category, status: cases.state, fields: caseFields },
};
