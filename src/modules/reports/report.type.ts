import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { connectionOf } from '../../platform/graphql/connection.js';
import { REPORT_PERIODS, type ReportPeriodName } from './report.period.js';
import type { ReportFigures } from './report.figures.js';

export const ReportPeriodKind = enumOf(REPORT_PERIODS);
registerEnumType(ReportPeriodKind, {
  name: 'ReportPeriodKind',
  description: 'WEEK: Monday to Monday; MONTH: calendar month (both Asia/Shanghai); CUSTOM: any range.',
  valuesConfig: {
    WEEK: { description: 'A week, Monday 00:00 to the next Monday 00:00, Asia/Shanghai.' },
    MONTH: { description: 'A calendar month, Asia/Shanghai.' },
    CUSTOM: { description: 'Any range [from, to).' },
  },
});

@ObjectType('Report', { implements: Node, description: 'An analysis report (研判报告): a stored snapshot of a unit’s figures over a period. Aggregates only, no personal data.' })
export class Report {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => ReportPeriodKind, { description: 'What kind of period it covers.' })
  periodKind!: ReportPeriodName;

  @Field(() => DateTimeResolver, { description: 'Start of the period (inclusive).' })
  from!: Date;

  @Field(() => DateTimeResolver, { description: 'End of the period (exclusive).' })
  to!: Date;

  @Field(() => DateTimeResolver, { description: 'When it was generated.' })
  generatedAt!: Date;

  @Field(() => String, { description: 'Who generated it: a principal, `scheduler` (the weekly run) or `seed`.' })
  generatedBy!: string;

  @Field(() => JSONObjectResolver, {
    description:
      'The figures: totals, byType, byChildUnit, byDay (ALERTS, REQUESTS), deviceStatus, topProblems, previous (change against the previous period of the same length), siblings (rank and ratio to the mean of the units with the same parent). See the README.',
  })
  figures!: ReportFigures;

  unitCode!: string;
  unitPath!: string;
}

export const ReportConnection = connectionOf(Report, 'Report');
