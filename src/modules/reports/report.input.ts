import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { ReportPeriodKind } from './report.type.js';
import type { ReportPeriodName } from './report.period.js';

@InputType('ReportPeriodInput', {
  description: 'WEEK or MONTH with `date` (any day in it, YYYY-MM-DD, Asia/Shanghai); CUSTOM with `from` and `to` (at most 366 days). The period must have ended.',
})
export class ReportPeriodInput {
  @Field(() => ReportPeriodKind, { description: 'What kind of period.' })
  kind!: ReportPeriodName;

  @Field(() => String, { nullable: true, description: 'For WEEK and MONTH: a day in the period, e.g. "2026-11-23".' })
  date?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'For CUSTOM: the start (inclusive).' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'For CUSTOM: the end (exclusive).' })
  to?: Date | null;
}

@InputType('ReportFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class ReportFilter {
  @Field(() => String, { nullable: true, description: 'Reports about this unit or any unit below it.' })
  unitCode?: string | null;

  @Field(() => [ReportPeriodKind], { nullable: true, description: 'Only reports of these kinds of period.' })
  periodKinds?: ReportPeriodName[] | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Periods starting at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Periods starting before this time.' })
  to?: Date | null;
}
