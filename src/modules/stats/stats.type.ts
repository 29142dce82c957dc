import 'reflect-metadata';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { Unit } from '../units/index.js';
import { STATS_GROUPS, STATS_KINDS, type StatsGroupName, type StatsKindName } from './stats.kinds.js';

export const StatsKind = enumOf(STATS_KINDS);
registerEnumType(StatsKind, {
  name: 'StatsKind',
  description:
    'What to count. ALERTS by occurredAt; REQUESTS (resident requests) by submittedAt, TYPE = category; DEVICES by registration time (createdAt), STATUS = current status: leave `from` out to count the whole fleet as of `to`; CASES (cases that happened within the unit) by openedAt, TYPE = event category, STATUS = current state.',
  valuesConfig: {
    ALERTS: { description: 'Alerts, by occurredAt.' },
    REQUESTS: { description: 'Resident requests, by submittedAt.' },
    DEVICES: { description: 'Devices, by registration time.' },
    CASES: { description: 'Cases that happened within the unit, by openedAt.' },
  },
});

export const StatsGroup = enumOf(STATS_GROUPS);
registerEnumType(StatsGroup, {
  name: 'StatsGroup',
  description: 'A key to group by; several combine. TYPE: type (or category); CHILD_UNIT: the child of the unit asked for that the record lies in; DAY: calendar day in Asia/Shanghai (UTC+8); STATUS: status.',
  valuesConfig: {
    TYPE: { description: 'Alert type, request category, device type or event category.' },
    CHILD_UNIT: { description: 'The child of the unit asked for that the record lies in.' },
    DAY: { description: 'The calendar day in Asia/Shanghai (UTC+8).' },
    STATUS: { description: "The status (a case's state) now." },
  },
});

@ObjectType('StatsKeys', { description: 'The keys of one bucket; only those grouped by are set.' })
export class StatsKeys {
  @Field(() => String, { nullable: true, description: 'Alert type, request category or device type.' })
  type!: string | null;

  @Field(() => Unit, { nullable: true, description: 'The child unit; null for records placed on the unit itself (not in any child).' })
  childUnit!: Unit | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, the calendar day in Asia/Shanghai.' })
  day!: string | null;

  @Field(() => String, { nullable: true, description: "The status (a case's state)." })
  status!: string | null;
}

@ObjectType('StatsBucket', { description: 'How many records share one combination of keys.' })
export class StatsBucket {
  @Field(() => StatsKeys, { description: 'The keys these records share.' })
  keys!: StatsKeys;

  @Field(() => Int, { description: 'How many records.' })
  count!: number;
}

@ObjectType('Stats', { description: 'Counts of what the caller may read within a unit; buckets ordered by their keys.' })
export class Stats {
  @Field(() => Unit, { description: 'The unit counted within.' })
  unit!: Unit;

  @Field(() => StatsKind, { description: 'What was counted.' })
  kind!: StatsKindName;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The start of the period (inclusive), as asked.' })
  from!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'The end of the period (exclusive), as asked.' })
  to!: Date | null;

  @Field(() => [StatsGroup], { description: 'The keys grouped by, as asked.' })
  groupBy!: StatsGroupName[];

  @Field(() => String, { description: 'The time zone DAY buckets are calendar days of: Asia/Shanghai.' })
  timeZone!: string;

  @Field(() => Int, { description: 'Every record counted (the sum of the buckets).' })
  total!: number;

  @Field(() => [StatsBucket], { description: 'Empty when nothing is grouped by.' })
  buckets!: StatsBucket[];
}

@ObjectType('CaseKpis', {
  description:
    'The 综合评价 of GB/T 30428 for the cases that happened within a unit over [from, to), counted over the cases you may read. Rates are 0..1; rates and means are null with nothing to divide by.',
})
export class CaseKpis {
  @Field(() => Unit, { description: 'The unit these figures are for.' })
  unit!: Unit;

  @Field(() => DateTimeResolver, { description: 'The start of the period (inclusive).' })
  from!: Date;

  @Field(() => DateTimeResolver, { description: 'The end of the period (exclusive).' })
  to!: Date;

  @Field(() => Int, { description: 'Cases opened in the period.' })
  opened!: number;

  @Field(() => Int, { description: 'Cases closed (CLOSED) in the period.' })
  closed!: number;

  @Field(() => Int, { description: 'Of those closed, how many by their deadline (closedAt ≤ deadlineAt).' })
  closedOnTime!: number;

  @Field(() => Float, { nullable: true, description: '按期结案率: closedOnTime / closed.' })
  onTimeClosureRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean of closedAt − openedAt over the cases closed, in hours.' })
  averageHandlingHours!: number | null;

  @Field(() => Int, { description: '超期: cases open at `to` whose deadline had passed then (SUSPENDED cases left out).' })
  overdue!: number;

  @Field(() => Int, { description: 'Of those closed, how many were sent back by a failed verification at least once.' })
  reopened!: number;

  @Field(() => Float, { nullable: true, description: '返工率: reopened / closed.' })
  reopenRate!: number | null;

  @Field(() => Int, { description: 'Of those closed, how many the resident rated.' })
  rated!: number;

  @Field(() => Float, { nullable: true, description: 'Mean satisfaction (1..5) of the rated ones.' })
  averageSatisfaction!: number | null;

  @Field(() => [CaseKpis], { description: 'The same for each child unit (every child, zeros too); empty on the children themselves.' })
  children!: CaseKpis[];
}
