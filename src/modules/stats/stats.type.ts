import 'reflect-metadata';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { Unit } from '../units/index.js';
import { STATS_GROUPS, STATS_KINDS, type StatsGroupName, type StatsKindName } from './stats.kinds.js';

export const StatsKind = enumOf(STATS_KINDS);
registerEnumType(StatsKind, {
  name: 'StatsKind',
  description:
    'What to count. ALERTS by occurredAt; REQUESTS (resident requests) by submittedAt, TYPE = category; DEVICES by registration time (createdAt), STATUS = current status: leave `from` out to count the whole fleet as of `to`.',
});

export const StatsGroup = enumOf(STATS_GROUPS);
registerEnumType(StatsGroup, {
  name: 'StatsGroup',
  description: 'A key to group by; several combine. TYPE: type (or category); CHILD_UNIT: the child of the unit asked for that the record lies in; DAY: calendar day in Asia/Shanghai (UTC+8); STATUS: status.',
});

@ObjectType('StatsKeys', { description: 'The keys of one bucket; only those grouped by are set.' })
export class StatsKeys {
  @Field(() => String, { nullable: true, description: 'Alert type, request category or device type.' })
  type!: string | null;

  @Field(() => Unit, { nullable: true, description: 'The child unit; null for records placed on the unit itself (not in any child).' })
  childUnit!: Unit | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, the calendar day in Asia/Shanghai.' })
  day!: string | null;

  @Field(() => String, { nullable: true })
  status!: string | null;
}

@ObjectType('StatsBucket')
export class StatsBucket {
  @Field(() => StatsKeys)
  keys!: StatsKeys;

  @Field(() => Int)
  count!: number;
}

@ObjectType('Stats', { description: 'Counts of what the caller may read within a unit; buckets ordered by their keys.' })
export class Stats {
  @Field(() => Unit)
  unit!: Unit;

  @Field(() => StatsKind)
  kind!: StatsKindName;

  @Field(() => DateTimeResolver, { nullable: true })
  from!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true })
  to!: Date | null;

  @Field(() => [StatsGroup])
  groupBy!: StatsGroupName[];

  @Field(() => String, { description: 'The time zone DAY buckets are calendar days of: Asia/Shanghai.' })
  timeZone!: string;

  @Field(() => Int, { description: 'Every record counted (the sum of the buckets).' })
  total!: number;

  @Field(() => [StatsBucket], { description: 'Empty when nothing is grouped by.' })
  buckets!: StatsBucket[];
}
