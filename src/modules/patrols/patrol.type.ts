import 'reflect-metadata';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';
import { GeoPoint } from '../devices/index.js';
import { Severity, type SeverityName } from '../alerts/index.js';
import { EventCategory, type EventCategoryName } from '../categories/index.js';

@ObjectType('PatrolFinding', { description: 'One thing a grid worker found on a patrol; it can open a case.' })
export class PatrolFinding {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => Int, { description: 'Its place in the report, from 1.' })
  seq!: number;

  @Field(() => EventCategory, { description: 'What kind of event was found.' })
  category!: EventCategoryName;

  @Field(() => String, { description: 'What the grid worker saw.' })
  description!: string;

  @Field(() => Severity, { description: 'How serious it is.' })
  severity!: SeverityName;

  @Field(() => GeoPoint, { nullable: true, description: 'Where it was found, when given.' })
  location!: GeoPoint | null;

  @Field(() => [String], { description: 'Links (http or https) to photos, at most 9.' })
  photoUrls!: string[];

  reportId!: string;
  caseId!: string | null;
  unitCode!: string;
  unitPath!: string;
}

@ObjectType('PatrolReport', { implements: Node, description: "A grid worker's patrol of one grid: when, the route, and what was found." })
export class PatrolReport {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, { description: 'The grid worker (principal name) or, for pushed reports, the worker named by the source system.' })
  filedBy!: string;

  @Field(() => DateTimeResolver, { description: 'When the patrol began.' })
  startedAt!: Date;

  @Field(() => DateTimeResolver, { description: 'When the patrol ended.' })
  endedAt!: Date;

  @Field(() => String, { description: "The route walked, in the grid worker's words." })
  routeNote!: string;

  @Field(() => DateTimeResolver, { description: 'When the hub stored it.' })
  filedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The system that pushed it (ingestPatrolReports); null when filed through filePatrolReport.' })
  source!: string | null;

  @Field(() => String, { nullable: true, description: "The sending system's id, for pushed reports." })
  externalId!: string | null;

  unitCode!: string;
  unitPath!: string;
}

export const PatrolReportConnection = connectionOf(PatrolReport, 'PatrolReport');
