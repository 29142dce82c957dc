export { alerts, ALERT_TYPES, SEVERITIES, ALERT_STATUSES, type AlertRow, type AlertTypeName, type SeverityName } from './alert.table.js';
export { Alert, AlertType, Severity, AlertStatus } from './alert.type.js';
export { AlertResolver } from './alert.resolver.js';
export { defineAlertRules } from './alert.policy.js';
export { alertFields } from './alert.service.js';
export { GeoPointInput } from './alert.input.js';
export { raiseAlerts, type SystemAlert } from './alert.service.js';
export { toAlert } from './alert.service.js';
export { alertHooks, type AlertsInsertedHook, type InsertedAlert } from './alert.hooks.js';
