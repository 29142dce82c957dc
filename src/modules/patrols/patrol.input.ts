import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GeoPointInput, Severity, type SeverityName } from '../alerts/index.js';
import { EventCategory, type EventCategoryName } from '../categories/index.js';
import { BoundingBoxInput, NearInput } from '../../platform/graphql/geo.js';

export const PATROL_LIMITS = { findings: 50, photos: 9, photoUrl: 2000, description: 2000, routeNote: 2000 } as const;

@InputType('PatrolFindingInput', { description: 'One thing found on a patrol.' })
export class PatrolFindingInput {
  @Field(() => EventCategory, { description: 'What kind of event was found.' })
  category!: EventCategoryName;

  @Field(() => String, { description: `1 to ${PATROL_LIMITS.description} characters.` })
  description!: string;

  @Field(() => Severity, { description: 'How serious it is.' })
  severity!: SeverityName;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it was found.' })
  location?: GeoPointInput | null;

  @Field(() => [String], { nullable: true, description: `http(s) links to photos, at most ${PATROL_LIMITS.photos}.` })
  photoUrls?: string[] | null;
}

@InputType('FilePatrolReportInput', { description: "A grid worker's report of one patrol." })
export class FilePatrolReportInput {
  @Field(() => String, { description: 'The grid patrolled.' })
  gridCode!: string;

  @Field(() => DateTimeResolver, { description: 'When the patrol began.' })
  startedAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the patrol ended.' })
  endedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The route walked.' })
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

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'filedAt (when the hub stored it, for a report pushed in too) at or after this time: catching up by arrival.',
  })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'filedAt before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only reports with a finding located inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only reports with a finding located within this circle (with bbox too: one finding in both).' })
  near?: NearInput | null;
}

@InputType('PatrolReportRecordInput', { description: 'A patrol report from another system.' })
export class PatrolReportRecordInput {
  @Field(() => String, { description: "The sending system's own id; (source, externalId) is unique." })
  externalId!: string;

  @Field(() => String, { description: 'The grid patrolled.' })
  gridCode!: string;

  @Field(() => String, { description: 'The grid worker, as the sending system names them.' })
  filedBy!: string;

  @Field(() => DateTimeResolver, { description: 'When the patrol began.' })
  startedAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the patrol ended.' })
  endedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The route walked.' })
  routeNote?: string | null;

  @Field(() => [PatrolFindingInput], { defaultValue: [], description: 'What was found; none by default.' })
  findings!: PatrolFindingInput[];
}

@InputType('IngestPatrolReportsInput', { description: 'A batch of patrol reports from one source.' })
export class IngestPatrolReportsInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [PatrolReportRecordInput], { description: 'At most 1,000 records.' })
  records!: PatrolReportRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}
