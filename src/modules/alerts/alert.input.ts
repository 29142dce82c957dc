import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { BoundingBoxInput, GeoPointInput, NearInput } from '../../platform/graphql/geo.js';
import { AlertStatus, AlertType, Severity } from './alert.type.js';
import type { AlertStatusName, AlertTypeName, SeverityName } from './alert.table.js';

/** Where it lives now: platform/graphql/geo.ts, shared by every kind with a location. */
export { GeoPointInput };

@InputType('AlertFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class AlertFilter {
  @Field(() => String, { nullable: true, description: 'Only alerts within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => [AlertType], { nullable: true })
  types?: AlertTypeName[] | null;

  @Field(() => [Severity], { nullable: true })
  severities?: SeverityName[] | null;

  @Field(() => [AlertStatus], { nullable: true })
  statuses?: AlertStatusName[] | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'occurredAt at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'occurredAt before this time.' })
  to?: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'receivedAt (when the hub ingested it) at or after this time: catching up by arrival, an alert reported late included.',
  })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'receivedAt before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only alerts with a location inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only alerts with a location within this circle.' })
  near?: NearInput | null;
}

@InputType('AlertRecordInput')
export class AlertRecordInput {
  @Field(() => String, { description: "The adapter's own id; (source, externalId) is unique." })
  externalId!: string;

  @Field(() => AlertType)
  type!: AlertTypeName;

  @Field(() => Severity)
  severity!: SeverityName;

  @Field(() => DateTimeResolver)
  occurredAt!: Date;

  @Field(() => String, { description: 'The unit it happened in (community or grid, usually).' })
  unitCode!: string;

  @Field(() => String, { nullable: true })
  deviceExternalId?: string | null;

  @Field(() => GeoPointInput, { nullable: true })
  location?: GeoPointInput | null;

  @Field(() => JSONObjectResolver, { nullable: true })
  payload?: Record<string, unknown> | null;
}

@InputType('IngestAlertsInput')
export class IngestAlertsInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [AlertRecordInput], { description: 'At most 1,000 records.' })
  records!: AlertRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}
