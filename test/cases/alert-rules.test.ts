import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { MODULES } from '../../src/modules/index.js';
import { defineModule } from '../../src/platform/module.js';
import { INGEST_ALERTS, U, data } from './support.js';

/**
 * Alert rules open cases inside ingestAlerts' transaction: an elderly one-click alarm opens a
 * REGISTERED case at its community at once (severity HIGH); a severe smoke alarm at its
 * street; mild ones open nothing; a retried batch opens nothing twice; and when the case half
 * fails, the alert half is not written either.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const CASE_OF = /* GraphQL */ `
  query($id: ID!) { alert(id: $id) { id case { state severity category title openedBy origin { kind id: recordId } unit { code } assignee { code }
    history { seq actor action fromState toState note assigneeAfter } } } }
`;

function ingest(records: Record<string, unknown>[]) {
  return hub.gql<{ ingestAlerts: { accepted: number; duplicates: number; results: { status: string; id: string }[] } }>(INGEST_ALERTS, { input: { source: 'iot-platform', records } }, { as: 'iot-platform' });
}

const at = new Date().toISOString();

describe('alert rules', () => {
  it('ELDERLY_ALARM → a case at its community at once; SMOKE HIGH → at the street; SMOKE LOW → none', async () => {
    const batch = [
      { externalId: 'rule-elderly-1', type: 'ELDERLY_ALARM', severity: 'MEDIUM', occurredAt: at, unitCode: U.hujing },
      { externalId: 'rule-smoke-high', type: 'SMOKE', severity: 'HIGH', occurredAt: at, unitCode: U.hujing },
      { externalId: 'rule-smoke-low', type: 'SMOKE', severity: 'LOW', occurredAt: at, unitCode: U.hujing },
    ];
    const report = data(await ingest(batch)).ingestAlerts;
    expect(report.accepted).toBe(3);
    const [elderly, high, low] = report.results.map((r) => r.id);
    const seen = async (id: string) => data(await hub.gql<{ alert: { case: unknown } }>(CASE_OF, { id }, { as: 'shuguang.officer' })).alert.case;
    expect(await seen(elderly!)).toEqual({
      state: 'REGISTERED', severity: 'HIGH', category: 'PUBLIC_SERVICE', title: '独居老人一键告警', openedBy: 'system',
      origin: { kind: 'ALERT', id: elderly }, unit: { code: U.hujing }, assignee: { code: U.shuguang },
      history: [{ seq: 1, actor: 'system', action: 'OPEN', fromState: null, toState: 'REGISTERED', note: 'alert rule: ELDERLY_ALARM → community', assigneeAfter: U.shuguang }],
    });
    expect(await seen(high!)).toEqual(expect.objectContaining({ state: 'REGISTERED', severity: 'HIGH', category: 'EMERGENCY', assignee: { code: U.xuetian } }));
    expect(await seen(low!)).toBeNull();
    // The retried batch: duplicates, and no second case.
    expect(data(await ingest(batch)).ingestAlerts.duplicates).toBe(3);
    const total = data(await hub.gql<{ cases: { totalCount: number } }>('query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { origins: ['ALERT'], from: new Date(Date.now() - 60_000).toISOString() } }, { as: 'xuetian.officer' }));
    expect(total.cases.totalCount).toBe(2);
  });

  it('one transaction: when opening the case fails, the alert is not written either', async () => {
    // A second hub on the same database, with a module whose hook fails after the case rules ran.
    const crashing = defineModule({
      name: 'crash',
      hooks: {
        alertsInserted: async () => {
          throw new Error('simulated crash after the case rules ran');
        },
      },
    });
    const crashHub = await createTestHub({ database: hub.database, modules: [...MODULES, crashing] });
    try {
      const response = await crashHub.gql(INGEST_ALERTS, { input: { source: 'iot-platform', records: [{ externalId: 'rule-elderly-crash', type: 'ELDERLY_ALARM', severity: 'HIGH', occurredAt: at, unitCode: U.hujing }] } }, { as: 'iot-platform' });
      expect(response.body.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await crashHub.close();
    }
    const alerts = data(await hub.gql<{ alerts: { totalCount: number } }>('{ alerts(filter: { types: [ELDERLY_ALARM], unitCode: "320613006001001", from: "' + new Date(Date.now() - 60_000).toISOString() + '" }) { totalCount } }', {}, { as: 'xuetian.officer' }));
    expect(alerts.alerts.totalCount).toBe(1); // only rule-elderly-1 of the test above
    const cases = data(await hub.gql<{ cases: { totalCount: number } }>('query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { origins: ['ALERT'], from: new Date(Date.now() - 60_000).toISOString() } }, { as: 'xuetian.officer' }));
    expect(cases.cases.totalCount).toBe(2);
    // And after the crash, the same record goes in with its case.
    const retry = data(await ingest([{ externalId: 'rule-elderly-crash', type: 'ELDERLY_ALARM', severity: 'HIGH', occurredAt: at, unitCode: U.hujing }])).ingestAlerts;
    expect(retry.accepted).toBe(1);
    const c = data(await hub.gql<{ alert: { case: { assignee: { code: string } } } }>(CASE_OF, { id: retry.results[0]!.id }, { as: 'shuguang.officer' })).alert.case;
    expect(c.assignee).toEqual({ code: U.shuguang });
  });
});
