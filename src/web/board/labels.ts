// The board's words for the API's enums, in Chinese. Typed by the enums, so a value added to
// one of them fails the type check until it has its label here.
import type { AlertTypeName, SeverityName } from '../../modules/alerts/index.js';
import type { CaseStateName } from '../../modules/cases/index.js';
import type { DeviceStatusName, DeviceTypeName } from '../../modules/devices/index.js';
import { CATEGORY_LABELS, STATUS_LABELS } from '../resident-pages.js';

export const ALERT_TYPE_LABELS: Readonly<Record<AlertTypeName, string>> = {
  SMOKE: '烟感告警',
  MANHOLE_TILT: '井盖异动',
  HYDRANT_PRESSURE_LOW: '消防栓水压低',
  EBIKE_IN_ELEVATOR: '电动车进电梯',
  THROWN_FROM_HEIGHT: '高空抛物',
  ELDERLY_ALARM: '独居老人告警',
  GARBAGE_ROOM_FULL: '垃圾房满溢',
  PARKING_VIOLATION: '违规停车',
  FIRE_PASSAGE_BLOCKED: '消防通道堵塞',
  STREET_VENDOR: '流动摊贩',
  DEVICE_OFFLINE: '设备离线',
};

export const SEVERITY_LABELS: Readonly<Record<SeverityName, string>> = {
  LOW: '低',
  MEDIUM: '中',
  HIGH: '高',
  CRITICAL: '紧急',
};

export const CASE_STATE_LABELS: Readonly<Record<CaseStateName, string>> = {
  REPORTED: '上报',
  REGISTERED: '立案',
  DISPATCHED: '派遣',
  IN_PROGRESS: '处置',
  RESOLVED: '反馈',
  VERIFIED: '核查',
  CLOSED: '结案',
  REJECTED: '不予立案',
  SUSPENDED: '挂账',
};

export const DEVICE_TYPE_LABELS: Readonly<Record<DeviceTypeName, string>> = {
  SMOKE_DETECTOR: '烟感',
  MANHOLE_COVER: '井盖',
  FIRE_HYDRANT: '消防栓',
  ELEVATOR_EBIKE_BLOCKER: '电梯梯阻',
  HIGH_THROW_CAMERA: '高空抛物摄像',
  PARKING_SENSOR: '地磁',
  ELDERLY_ALARM_BUTTON: '一键告警',
  SMART_GARBAGE_ROOM: '智能垃圾房',
  CAMERA: '摄像头',
};

export const DEVICE_STATUS_LABELS: Readonly<Record<DeviceStatusName, string>> = {
  ONLINE: '在线',
  OFFLINE: '离线',
  FAULT: '故障',
};

/** Everything the page's script names, in one object (the page data). */
export const BOARD_LABELS = {
  alertTypes: ALERT_TYPE_LABELS,
  severities: SEVERITY_LABELS,
  caseStates: CASE_STATE_LABELS,
  deviceTypes: DEVICE_TYPE_LABELS,
  deviceStatuses: DEVICE_STATUS_LABELS,
  requestCategories: Object.fromEntries(Object.entries(CATEGORY_LABELS).map(([key, value]) => [key, value.label])),
  requestStatuses: STATUS_LABELS,
  tiers: { CITY: '市', DISTRICT: '区', STREET: '街道', COMMUNITY: '社区', GRID: '网格' },
};
