import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GeoPointInput, Severity, type SeverityName } from '../alerts/index.js';
import { EventCategory, type EventCategoryName } from '../categories/index.js';

export const PATROL_LIMITS = { findings: 50, photos: 9, photoUrl: 2000, description: 2000, routeNote: 2000 } as const;

@InputType('PatrolFindingInput')
export class PatrolFindingInput {
  @Field(() => EventCategory)
  category!: EventCategoryName;

  @Field(() => String, { description: `1 to ${PATROL_LIMITS.description} characters.` })
  description!: string;

  @Field(() => Severity)
  severity!: SeverityName;

  @Field(() => GeoPointInput, { nullable: true })
  location?: GeoPointInput | null;

  @Field(() => [String], { nullable: true, description: `http(s) links to photos, at most ${PATROL_LIMITS.photos}.` })
  photoUrls?: string[] | null;
}

@InputType('FilePatrolReportInput')
export class FilePatrolReportInput {
  @Field(() => String, { description: 'The grid patrolled.' })
  gridCode!: string;

  @Field(() => DateTimeResolver)
  startedAt!: Date;

  @Field(() => DateTimeResolver)
  endedAt!: Date;

  @Field(() => String, { nullable: true })
  routeNote?: string | null;

  @Field(() => [PatrolFindingInput], { defaultValue: [], description: `At most ${PATROL_LIMITS.findings}.` })
  findings!: PatrolFindingInput[];
}

@InputType('PatrolReportFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class PatrolReportFilter {
  @Field(() => String, { nullable: true, description: 'Only reports within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only reports filed by this principal / worker.' })
  filedBy?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'startedAt at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'startedAt before this time.' })
  to?: Date | null;
}

@InputType('PatrolReportRecordInput')
export class PatrolReportRecordInput {
  @Field(() => String, { description: "The sending system's own id; (source, externalId) is unique." })
  externalId!: string;

  @Field(() => String)
  gridCode!: string;

  @Field(() => String, { description: 'The grid worker, as the sending system names them.' })
  filedBy!: string;

  @Field(() => DateTimeResolver)
  startedAt!: Date;

  @Field(() => DateTimeResolver)
  endedAt!: Date;

  @Field(() => String, { nullable: true })
  routeNote?: string | null;

  @Field(() => [PatrolFindingInput], { defaultValue: [] })
  findings!: PatrolFindingInput[];
}

@InputType('IngestPatrolReportsInput')
export class IngestPatrolReportsInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [PatrolReportRecordInput], { description: 'At most 1,000 records.' })
  records!: PatrolReportRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}
