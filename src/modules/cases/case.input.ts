import 'reflect-metadata';
import { Field, ID, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GeoPointInput, Severity, type SeverityName } from '../alerts/index.js';
import { BoundingBoxInput, NearInput } from '../../platform/graphql/geo.js';
import { EventCategory, type EventCategoryName } from '../categories/index.js';
import { CaseOriginKind, CaseState } from './case.type.js';
import type { CaseOriginName } from './case.table.js';
import type { CaseStateName } from './case.workflow.js';
import { BadUserInputError } from '../../platform/errors.js';
import { storable } from '../ingest/index.js';

/** A text input trimmed (null when empty), at most `max` characters, storable; BAD_USER_INPUT naming `input.<field>` otherwise. */
export function inputText(value: string | null | undefined, field: string, max: number, required = false): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    if (required) throw new BadUserInputError(`${field} must not be empty`, `input.${field}`);
    return null;
  }
  if ([...trimmed].length > max) throw new BadUserInputError(`${field} is longer than ${max} characters`, `input.${field}`);
  if (!storable(trimmed)) throw new BadUserInputError(`${field} holds a NUL character or a broken UTF-16 surrogate`, `input.${field}`);
  return trimmed;
}

export const CASE_LIMITS = { title: 200, description: 4000, note: 2000, reporterName: 50, reporterPhone: 30 } as const;

@InputType('OpenCaseInput', {
  description: 'At most one of alertId, requestId, findingId; with none, a case by hand (unitCode, title, category and severity required). The other fields override what the origin gives.',
})
export class OpenCaseInput {
  @Field(() => ID, { nullable: true, description: 'An alert; the case links to it.' })
  alertId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A resident request; it becomes IN_CASE and links to the case.' })
  requestId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A patrol finding; it links to the case.' })
  findingId?: string | null;

  @Field(() => String, { nullable: true, description: 'Where it happened (by hand: required).' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'A short summary (by hand: required).' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'What happened.' })
  description?: string | null;

  @Field(() => EventCategory, { nullable: true, description: 'What kind of event it is (by hand: required).' })
  category?: EventCategoryName | null;

  @Field(() => Severity, { nullable: true, description: 'How serious it is (by hand: required).' })
  severity?: SeverityName | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it happened.' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  reporterName?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  reporterPhone?: string | null;

  @Field(() => String, { nullable: true, description: 'Written to the OPEN history entry.' })
  note?: string | null;
}

@InputType('CaseFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class CaseFilter {
  @Field(() => String, { nullable: true, description: 'Only cases that happened within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only cases assigned to a unit within this one.' })
  assigneeUnitCode?: string | null;

  @Field(() => [CaseState], { nullable: true, description: 'Only cases in these states.' })
  states?: CaseStateName[] | null;

  @Field(() => [EventCategory], { nullable: true, description: 'Only cases of these categories.' })
  categories?: EventCategoryName[] | null;

  @Field(() => [Severity], { nullable: true, description: 'Only cases of these severities.' })
  severities?: SeverityName[] | null;

  @Field(() => [CaseOriginKind], { nullable: true, description: 'Only cases opened from these kinds of origin.' })
  origins?: CaseOriginName[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only cases past their deadline in a state where the SLA runs; false: only the others.' })
  overdue?: boolean | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'openedAt at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'openedAt before this time.' })
  to?: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'openedAt (the hub stamps it when it stores the case, for a work order pushed in too) at or after this time: catching up by arrival.',
  })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'openedAt before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only cases with a location inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only cases with a location within this circle.' })
  near?: NearInput | null;
}

@InputType('CaseRecordInput', { description: 'A work order from another system (e.g. the 12345 hotline).' })
class CaseRecordInput {
  @Field(() => String, { description: "The sending system's id (its work-order number); (source, externalId) is unique." })
  externalId!: string;

  @Field(() => String, { description: 'The unit where it happened.' })
  unitCode!: string;

  @Field(() => String, { description: 'A short summary.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'What happened.' })
  description?: string | null;

  @Field(() => EventCategory, { description: 'What kind of event it is.' })
  category!: EventCategoryName;

  @Field(() => Severity, { description: 'How serious it is.' })
  severity!: SeverityName;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the sending system took it; default: when the hub stores it. The SLA runs from the hub storing it.' })
  reportedAt?: Date | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it happened.' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  reporterName?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data.' })
  reporterPhone?: string | null;
}

@InputType('IngestCasesInput', { description: 'A batch of work orders from one source.' })
export class IngestCasesInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem." })
  source!: string;

  @Field(() => [CaseRecordInput], { description: 'At most 1,000 records.' })
  records!: CaseRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}

@InputType('CaseChangedFilter', { description: 'Narrows caseChanged; it never widens what you may see.' })
export class CaseChangedFilter {
  @Field(() => String, { nullable: true, description: 'Only cases that happened, or are assigned, within this unit.' })
  unitCode?: string | null;

  @Field(() => [CaseState], { nullable: true, description: 'Only cases in these states after the change.' })
  states?: CaseStateName[] | null;

  @Field(() => [EventCategory], { nullable: true, description: 'Only cases of these categories.' })
  categories?: EventCategoryName[] | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Only cases opened (stored by the hub) at or after this time.' })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Only cases opened before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only cases with a location inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only cases with a location within this circle.' })
  near?: NearInput | null;
}
