// Every operation the board sends. Fixed documents: whatever varies (the unit, the times, an
// alert's id) travels in variables, never spliced into the text.

const UNIT_FIELDS = 'code name tier path';

export const ME = `query BoardMe { me { name displayName roles unit { ${UNIT_FIELDS} } } }`;

export const UNIT = `query BoardUnit($code: String!) {
  unit(code: $code) {
    ${UNIT_FIELDS}
    parent { ${UNIT_FIELDS} parent { ${UNIT_FIELDS} parent { ${UNIT_FIELDS} parent { ${UNIT_FIELDS} } } } }
    children { ${UNIT_FIELDS} }
  }
}`;

const ALERT_FIELDS = `id type severity status occurredAt canAcknowledge location { lat lng }
  unit { code name path parent { code name parent { code name parent { code name } } } }`;

// The live feeds take the last cursor seen as `after` when they resubscribe (api.js), and select
// `cursor` so that each event tells where the stream is.
export const ALERT_RAISED = `subscription BoardAlerts($unit: String!, $after: String) { alertRaised(filter: { unitCode: $unit }, after: $after) { cursor ${ALERT_FIELDS} } }`;
export const CASE_CHANGED = `subscription BoardCases($unit: String!, $after: String) { caseChanged(filter: { unitCode: $unit }, after: $after) { cursor id state } }`;
export const DEVICE_CHANGED = `subscription BoardDevices($unit: String!, $after: String) { deviceStatusChanged(filter: { unitCode: $unit }, after: $after) { cursor id status } }`;
export const REQUEST_SUBMITTED = `subscription BoardRequests($unit: String!, $after: String) { residentRequestSubmitted(filter: { unitCode: $unit }, after: $after) { cursor id } }`;

export const ACKNOWLEDGE = `mutation BoardAcknowledge($id: ID!) { acknowledgeAlert(id: $id) { id status canAcknowledge acknowledgedAt } }`;

/** Today's alerts by child unit and by type, and the 7 days before today by child unit (for the mean). */
export const ALERT_COUNTS = `query BoardAlertCounts($unit: String!, $today: DateTime!, $weekAgo: DateTime!, $children: Boolean!) {
  today: alertCounts(filter: { unitCode: $unit, from: $today }, groupBy: [CHILD_UNIT]) @include(if: $children) { count unit { code } }
  week: alertCounts(filter: { unitCode: $unit, from: $weekAgo, to: $today }, groupBy: [CHILD_UNIT]) @include(if: $children) { count unit { code } }
  types: alertCounts(filter: { unitCode: $unit, from: $today }, groupBy: [TYPE]) { count type }
  recent: alerts(filter: { unitCode: $unit }, first: 30) { edges { node { ${ALERT_FIELDS} } } }
}`;

export const CASES = `query BoardCases($unit: String!, $weekAgo: DateTime!, $now: DateTime!) {
  byState: stats(kind: CASES, unitCode: $unit, groupBy: [STATUS]) { total buckets { count keys { status } } }
  overdue: cases(filter: { unitCode: $unit, overdue: true }, first: 6) {
    totalCount
    edges { node { id number title state deadlineAt escalationCount assignee { name } } }
  }
  kpis: caseKpis(unitCode: $unit, from: $weekAgo, to: $now) { opened closed closedOnTime onTimeClosureRate averageHandlingHours }
}`;

export const DEVICES = `query BoardDevices($unit: String!) {
  byType: stats(kind: DEVICES, unitCode: $unit, groupBy: [TYPE, STATUS]) { total buckets { count keys { type status } } }
  silent: silentDevices(filter: { unitCode: $unit }, first: 5) { id name lastHeartbeatAt unit { name } }
  offline: devices(filter: { unitCode: $unit, statuses: [OFFLINE] }, first: 100) {
    edges { node { id type status location { lat lng } } }
  }
  faults: devices(filter: { unitCode: $unit, statuses: [FAULT] }, first: 100) {
    edges { node { id type status location { lat lng } } }
  }
}`;

export const REQUESTS = `query BoardRequests($unit: String!, $today: DateTime!) {
  today: stats(kind: REQUESTS, unitCode: $unit, from: $today) { total }
  latest: residentRequests(filter: { unitCode: $unit }, first: 4) {
    edges { node { id category status submittedAt text contactName unit { name } } }
  }
}`;
