import type { AlertTypeName, SeverityName } from '../alerts/index.js';
import type { EventCategoryName } from '../categories/index.js';

export type CaseCategoryName = EventCategoryName;

/**
 * Terminology
 * - SLA: the time a case may stay open in one assignee's hands before it is overdue: the base
 *   hours of its category × the factor of its severity (the one table every deadline comes
 *   from). An overdue case escalates to the parent unit of its assignee, and the deadline
 *   starts again from the same table.
 */
const SLA_BASE_HOURS: Record<CaseCategoryName, number> = {
  CITY_APPEARANCE: 48,
  ADVERTISING: 72,
  CONSTRUCTION: 48,
  EMERGENCY: 4,
  STREET_ORDER: 24,
  FACILITIES: 72,
  SAFETY_HAZARD: 12,
  PUBLIC_SERVICE: 24,
};

/** How the severity shortens or stretches a category's base hours. */
const SEVERITY_SLA_FACTOR: Record<SeverityName, number> = { LOW: 2, MEDIUM: 1, HIGH: 0.5, CRITICAL: 0.25 };

/** The SLA of one case, in milliseconds: the one table every deadline comes from. */
function slaMs(category: CaseCategoryName, severity: SeverityName): number {
  return SLA_BASE_HOURS[category] * SEVERITY_SLA_FACTOR[severity] * 3_600_000;
}

export function deadlineFrom(at: Date, category: CaseCategoryName, severity: SeverityName): Date {
  return new Date(at.getTime() + slaMs(category, severity));
}

/** The category a case opened from an alert of each type gets. */
export const ALERT_TYPE_CATEGORY: Record<AlertTypeName, CaseCategoryName> = {
  SMOKE: 'EMERGENCY',
  MANHOLE_TILT: 'FACILITIES',
  HYDRANT_PRESSURE_LOW: 'SAFETY_HAZARD',
  EBIKE_IN_ELEVATOR: 'SAFETY_HAZARD',
  THROWN_FROM_HEIGHT: 'SAFETY_HAZARD',
  ELDERLY_ALARM: 'PUBLIC_SERVICE',
  GARBAGE_ROOM_FULL: 'CITY_APPEARANCE',
  PARKING_VIOLATION: 'STREET_ORDER',
  FIRE_PASSAGE_BLOCKED: 'SAFETY_HAZARD',
  STREET_VENDOR: 'STREET_ORDER',
  DEVICE_OFFLINE: 'FACILITIES',
};

/** The title of a case opened from an alert of each type. */
export const ALERT_TYPE_TITLE: Record<AlertTypeName, string> = {
  SMOKE: '烟感告警',
  MANHOLE_TILT: '井盖异动',
  HYDRANT_PRESSURE_LOW: '消防栓水压不足',
  EBIKE_IN_ELEVATOR: '电动车进电梯',
  THROWN_FROM_HEIGHT: '高空抛物',
  ELDERLY_ALARM: '独居老人一键告警',
  GARBAGE_ROOM_FULL: '垃圾房满溢',
  PARKING_VIOLATION: '违规停车',
  FIRE_PASSAGE_BLOCKED: '消防通道堵塞',
  STREET_VENDOR: '流动摊贩',
  DEVICE_OFFLINE: '设备离线',
};

/**
 * Rules that open a case from an ingested alert, in the same transaction as the alert. `at`
 * names the tier of the alert's ancestor the case is assigned to (its "community" or
 * "street"); `severity` overrides the alert's; `minSeverity` leaves milder alerts alone.
 * Cases opened by a rule start REGISTERED (立案 by the rule), with `system` as the actor.
 */
interface AlertCaseRule {
  at: 'GRID' | 'COMMUNITY' | 'STREET';
  severity?: SeverityName;
  minSeverity?: SeverityName;
}
export const ALERT_CASE_RULES: Partial<Record<AlertTypeName, AlertCaseRule>> = {
  ELDERLY_ALARM: { at: 'COMMUNITY', severity: 'HIGH' },
  SMOKE: { at: 'STREET', minSeverity: 'HIGH' },
  FIRE_PASSAGE_BLOCKED: { at: 'STREET', minSeverity: 'HIGH' },
  THROWN_FROM_HEIGHT: { at: 'COMMUNITY', minSeverity: 'MEDIUM' },
  MANHOLE_TILT: { at: 'STREET', minSeverity: 'HIGH' },
};
