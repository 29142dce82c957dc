import { isUuid } from '../../platform/db/ids.js';
import { getAlert } from './alert.service.js';
import { defineModule } from '../../platform/module.js';
import { placedBy } from '../../platform/db/placement.js';
import { alertLive } from './alert.live.js';
import { alerts, ALERT_TYPES } from './alert.table.js';
import { AlertResolver } from './alert.resolver.js';
import { defineAlertRules } from './alert.policy.js';
import { alertsPush } from './alert.push.js';

export { alerts, ALERT_TYPES, SEVERITIES, ALERT_STATUSES, type AlertRow, type AlertTypeName, type SeverityName } from './alert.table.js';
export { Alert, AlertType, Severity, AlertStatus } from './alert.type.js';
export { AlertResolver } from './alert.resolver.js';
export { alertFields } from './alert.service.js';
export { GeoPointInput } from './alert.input.js';
export { raiseAlerts, type SystemAlert } from './alert.service.js';
export { toAlert } from './alert.service.js';
export type { AlertsInsertedHook } from './alert.hooks.js';

declare module '../../platform/pubsub/bus.js' {
  interface Topics {
    /** New alerts were committed. */
    alertRaised: { ids: string[] };
  }
}

export const alertsModule = defineModule({
  name: 'alerts',
  resolvers: [AlertResolver],
  rules: defineAlertRules,
  tables: { alerts },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { nodeKinds: [{ type: 'Alert', table: alerts, key: alerts.id, accepts: isUuid, load: (ctx, id) => getAlert(ctx, id) }], placedRecords: [{ table: alerts, id: alerts.id, paths: [placedBy(alerts, alerts.occurredAt)] }] },
  grantable: { ALERT: { subject: 'Alert', types: ALERT_TYPES, personalFields: ['payload'] } },
  push: [alertsPush],
  live: [alertLive],
});
