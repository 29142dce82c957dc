import { expect } from 'vitest';
import type { GqlResponse, TestHub } from '../helpers/hub.js';

/** Demo units the case tests use. */
export const U = {
  hujing: '320613006001001', // 互敬网格 (曙光社区, 学田)
  shuguang: '320613006001',
  xuetian: '320613006',
  wenfeng: '320613008',
  wenfengCommunity: '320613008001',
  chongchuan: '320613',
} as const;

export const CASE_FIELDS = /* GraphQL */ `
  id number title description category severity state version openedBy reopenCount escalationCount
  origin { kind id: recordId source externalId }
  unit { code } assignee { code tier }
  reporterName reporterPhone maskedFields allowedActions overdue
`;

export const OPEN = /* GraphQL */ `
  mutation Open($input: OpenCaseInput!) { openCase(input: $input) { ${CASE_FIELDS} } }
`;

export const TRANSITION = /* GraphQL */ `
  mutation Move($id: ID!, $action: CaseAction!, $note: String, $assignee: String, $expectedVersion: Int) {
    transitionCase(id: $id, action: $action, note: $note, assigneeUnitCode: $assignee, expectedVersion: $expectedVersion) { ${CASE_FIELDS} }
  }
`;

export const GET = /* GraphQL */ `
  query Get($id: ID!) {
    case(id: $id) {
      ${CASE_FIELDS}
      history { seq actor action fromState toState note assigneeBefore assigneeAfter }
      alert { id type case { id } }
      request { id status case { id } }
      finding { id case { id } }
    }
  }
`;

export const INGEST_ALERTS = /* GraphQL */ `
  mutation Ingest($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted duplicates rejected results { status id: recordId error { code field } } } }
`;

export interface CaseView {
  id: string;
  number: string;
  title: string;
  description: string;
  category: string;
  severity: string;
  state: string;
  version: number;
  openedBy: string;
  reopenCount: number;
  escalationCount: number;
  origin: { kind: string; id: string | null; source: string | null; externalId: string | null };
  unit: { code: string };
  assignee: { code: string; tier: string };
  reporterName: string | null;
  reporterPhone: string | null;
  maskedFields: string[];
  allowedActions: string[];
  overdue: boolean;
}

export function data<T>(response: GqlResponse<T>): T {
  expect(response.body.errors).toBeUndefined();
  return response.body.data as T;
}

/** The one error of a response that must have failed. */
export function failure(response: GqlResponse<unknown>): { message: string; extensions?: Record<string, unknown> } {
  expect(response.body.errors).toHaveLength(1);
  return response.body.errors![0]!;
}

let counter = 0;
/** An alert ingested by iot-platform now (by the hub's clock), in `unitCode`; its id. */
export async function ingestAlert(hub: TestHub, at: Date, extra: Record<string, unknown> = {}): Promise<string> {
  counter++;
  const record = { externalId: `case-test-${process.pid}-${Date.now()}-${counter}`, type: 'SMOKE', severity: 'MEDIUM', occurredAt: at.toISOString(), unitCode: U.hujing, ...extra };
  const result = data(await hub.gql<{ ingestAlerts: { accepted: number; results: { status: string; id: string }[] } }>(INGEST_ALERTS, { input: { source: 'iot-platform', records: [record] } }, { as: 'iot-platform' }));
  expect(result.ingestAlerts.results[0]!.status).toBe('ACCEPTED');
  return result.ingestAlerts.results[0]!.id;
}

export async function open(hub: TestHub, as: string, input: Record<string, unknown>): Promise<CaseView> {
  return data(await hub.gql<{ openCase: CaseView }>(OPEN, { input }, { as })).openCase;
}

export function move(hub: TestHub, as: string, id: string, action: string, extra: { note?: string; assignee?: string; expectedVersion?: number } = {}) {
  return hub.gql<{ transitionCase: CaseView }>(TRANSITION, { id, action, ...extra }, { as });
}

export async function moveOk(hub: TestHub, as: string, id: string, action: string, extra: { note?: string; assignee?: string; expectedVersion?: number } = {}): Promise<CaseView> {
  return data(await move(hub, as, id, action, extra)).transitionCase;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
