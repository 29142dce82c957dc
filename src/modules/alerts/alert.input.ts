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

  @Field(() => [AlertType], { nullable: true, description: 'Only alerts of these types.' })
  types?: AlertTypeName[] | null;

  @Field(() => [Severity], { nullable: true, description: 'Only alerts of these severities.' })
  severities?: SeverityName[] | null;

  @Field(() => [AlertStatus], { nullable: true, description: 'Only alerts in these statuses.' })
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

@InputType('AlertRecordInput', { description: 'One alert as an adapter sends it; a second record with the same (source, externalId) is a DUPLICATE.' })
export class AlertRecordInput {
  @Field(() => String, { description: "The adapter's own id; (source, externalId) is unique." })
  externalId!: string;

  @Field(() => AlertType, { description: 'What was detected.' })
  type!: AlertTypeName;

  @Field(() => Severity, { description: 'How serious it is.' })
  severity!: SeverityName;

  @Field(() => DateTimeResolver, { description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => String, { description: 'The unit it happened in (community or grid, usually).' })
  unitCode!: string;

  @Field(() => String, { nullable: true, description: 'The externalId of the device that raised it, as registered by this source.' })
  deviceExternalId?: string | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it was raised.' })
  location?: GeoPointInput | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'Whatever else the source sends; kept as sent, masked on reading.' })
  payload?: Record<string, unknown> | null;
}

@InputType('IngestAlertsInput', { description: 'A batch of alerts from one source.' })
export class IngestAlertsInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [AlertRecordInput], { description: 'At most 1,000 records.' })
  records!: AlertRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}
