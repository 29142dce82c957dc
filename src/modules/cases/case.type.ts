import 'reflect-metadata';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { connectionOf } from '../../platform/graphql/connection.js';
import { GeoPoint } from '../devices/index.js';
import { Severity, type SeverityName } from '../alerts/index.js';
import { EventCategory, type EventCategoryName } from '../categories/index.js';
import { CASE_ORIGINS, type CaseOriginName } from './case.table.js';
import { CASE_ACTIONS, CASE_STATES, type CaseActionName, type CaseStateName } from './case.workflow.js';

export const CaseState = enumOf(CASE_STATES);
registerEnumType(CaseState, {
  name: 'CaseState',
  description: 'Where a case stands in the GB/T 30428 closed loop.',
  valuesConfig: {
    REPORTED: { description: '上报: reported, not yet registered' },
    REGISTERED: { description: '立案: accepted as a case' },
    DISPATCHED: { description: '派遣: handed to its assignee unit' },
    IN_PROGRESS: { description: '处置: being handled' },
    RESOLVED: { description: '反馈: handled, awaiting verification' },
    VERIFIED: { description: '核查: verified on site' },
    CLOSED: { description: '结案: closed' },
    REJECTED: { description: '不予立案: not a case' },
    SUSPENDED: { description: '挂账: parked; RESUME returns it to where it was' },
  },
});

export const CaseAction = enumOf(CASE_ACTIONS);
registerEnumType(CaseAction, {
  name: 'CaseAction',
  description: 'What moves a case; which actions each role may take in each state is one table (case.workflow.ts, README "Cases").',
  valuesConfig: {
    OPEN: { description: 'openCase (history only)' },
    REGISTER: { description: 'REPORTED → REGISTERED (officers)' },
    REJECT: { description: 'REPORTED → REJECTED (officers)' },
    DISPATCH: { description: 'REGISTERED or DISPATCHED → DISPATCHED to assigneeUnitCode (officers)' },
    START: { description: 'DISPATCHED → IN_PROGRESS (officers, grid workers)' },
    RESOLVE: { description: 'IN_PROGRESS → RESOLVED (officers, grid workers)' },
    VERIFY: { description: 'RESOLVED → VERIFIED (officers, grid workers)' },
    FAIL_VERIFICATION: { description: 'RESOLVED → DISPATCHED, a reopen (officers, grid workers)' },
    CLOSE: { description: 'VERIFIED → CLOSED (officers)' },
    SUSPEND: { description: 'REGISTERED, DISPATCHED or IN_PROGRESS → SUSPENDED (officers)' },
    RESUME: { description: 'SUSPENDED → the state it was suspended from (officers)' },
    ESCALATE: { description: 'overdue: assignment moves to the parent unit (the hub, history only)' },
  },
});

export const CaseOriginKind = enumOf(CASE_ORIGINS);
registerEnumType(CaseOriginKind, {
  name: 'CaseOriginKind',
  description: 'What a case was opened from.',
  valuesConfig: {
    ALERT: { description: 'opened from an alert (by hand or by an alert rule)' },
    RESIDENT_REQUEST: { description: 'opened from a resident request' },
    PATROL_FINDING: { description: 'opened from a patrol finding' },
    MANUAL: { description: 'opened by hand' },
    EXTERNAL: { description: 'pushed by another system (ingestCases, e.g. the 12345 hotline)' },
  },
});

@ObjectType('CaseOrigin', { description: 'Where a case came from.', simpleResolvers: true })
export class CaseOrigin {
  @Field(() => CaseOriginKind, { description: 'What it was opened from.' })
  kind!: CaseOriginName;

  @Field(() => ID, { nullable: true, description: 'The id of the alert, resident request or patrol finding the case came from; null for MANUAL and EXTERNAL.' })
  recordId!: string | null;

  @Field(() => String, { nullable: true, description: 'EXTERNAL: the system that sent it.' })
  source!: string | null;

  @Field(() => String, { nullable: true, description: "EXTERNAL: the sending system's id (its work-order number)." })
  externalId!: string | null;
}

@ObjectType('CaseHistoryEntry', { description: 'One change of a case.', simpleResolvers: true })
export class CaseHistoryEntry {
  @Field(() => Int, { description: 'From 1; equals the case version the change produced.' })
  seq!: number;

  @Field(() => String, { description: 'A principal name, or `system` (alert rules, SLA escalation).' })
  actor!: string;

  @Field(() => String, { nullable: true, description: "The actor's unit code." })
  actorUnitCode!: string | null;

  @Field(() => DateTimeResolver, { description: 'When the change was made.' })
  at!: Date;

  @Field(() => CaseAction, { description: 'What was done.' })
  action!: CaseActionName;

  @Field(() => CaseState, { nullable: true, description: 'The state before; null for OPEN.' })
  fromState!: CaseStateName | null;

  @Field(() => CaseState, { description: 'The state after.' })
  toState!: CaseStateName;

  @Field(() => String, { nullable: true, description: "What the actor wrote with it; phone and ID numbers in it are masked unless you see the case's reporter in full." })
  note!: string | null;

  @Field(() => String, { nullable: true, description: 'Assignee unit code before the change.' })
  assigneeBefore!: string | null;

  @Field(() => String, { nullable: true, description: 'Assignee unit code after the change.' })
  assigneeAfter!: string | null;
}

@ObjectType('Case', { implements: Node, description: '案卷: an event handled in the closed loop, from report to closing.', simpleResolvers: true })
export class Case {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'In a live subscription: this event\'s place in the stream, for `after` when resubscribing (docs/api/live.md). Null in queries.',
  })
  cursor?: string | null;

  @Field(() => String, { description: 'Human-readable: district code, year, running number (320613-2026-000123).' })
  number!: string;

  @Field(() => String, { description: 'A short summary.' })
  title!: string;

  @Field(() => String, { description: "What happened, in the reporter's or officer's words." })
  description!: string;

  @Field(() => EventCategory, { description: 'What kind of event it is.' })
  category!: EventCategoryName;

  @Field(() => Severity, { description: 'How serious it is.' })
  severity!: SeverityName;

  @Field(() => CaseState, { description: 'Where it stands in the closed loop.' })
  state!: CaseStateName;

  @Field(() => Int, { description: 'Grows with every change; pass it as expectedVersion to transitionCase.' })
  version!: number;

  @Field(() => CaseOrigin, { description: 'Where it came from.' })
  origin!: CaseOrigin;

  @Field(() => GeoPoint, { nullable: true, description: 'Where it happened, when known.' })
  location!: GeoPoint | null;

  @Field(() => DateTimeResolver, { description: 'When the hub opened it; the SLA runs from here.' })
  openedAt!: Date;

  @Field(() => String, { description: 'Who opened it: a principal name or `system`.' })
  openedBy!: string;

  @Field(() => DateTimeResolver, { description: 'When the current assignee must have handled it (SLA table).' })
  deadlineAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was CLOSED; null while open.' })
  closedAt!: Date | null;

  @Field(() => DateTimeResolver, { description: 'When it last changed.' })
  updatedAt!: Date;

  @Field(() => Int, { description: 'How often verification failed and the case went back round the loop.' })
  reopenCount!: number;

  @Field(() => Int, { description: 'How often it escalated to a parent unit for being overdue.' })
  escalationCount!: number;

  @Field(() => Int, { nullable: true, description: '1..5 when the resident rated the outcome.' })
  satisfaction!: number | null;

  assigneeCode!: string;
  assigneePath!: string;
  unitCode!: string;
  unitPath!: string;
  personal!: { reporterName: string | null; reporterPhone: string | null };
}

export const CaseConnection = connectionOf(Case, 'Case');
