import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GeoPointInput } from '../alerts/index.js';
import { BoundingBoxInput, NearInput } from '../../platform/graphql/geo.js';
import { RequestCategory, RequestStatus } from './request.type.js';
import type { RequestCategoryName, RequestStatusName } from './request.table.js';

/** Limits of what a resident may send; each field is checked on its own (BAD_USER_INPUT names it). */
export const REQUEST_LIMITS = {
  text: 2000,
  photoUrl: 2000,
  address: 200,
  contactName: 50,
  /** Digits of a phone number, after spaces, dashes and parentheses are dropped. */
  phoneDigits: { min: 5, max: 20 },
} as const;

@InputType('SubmitResidentRequestInput', { description: "What a resident sends through a channel's submit page." })
export class SubmitResidentRequestInput {
  @Field(() => RequestCategory, { description: 'What it is about.' })
  category!: RequestCategoryName;

  @Field(() => String, { description: `What it is about: 1 to ${REQUEST_LIMITS.text} characters.` })
  text!: string;

  @Field(() => String, { nullable: true, description: `An http(s) link to a photo, at most ${REQUEST_LIMITS.photoUrl} characters.` })
  photoUrl?: string | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it is (WGS-84).' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: `Personal data. At most ${REQUEST_LIMITS.address} characters.` })
  address?: string | null;

  @Field(() => String, { nullable: true, description: `Personal data. At most ${REQUEST_LIMITS.contactName} characters.` })
  contactName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `Personal data. ${REQUEST_LIMITS.phoneDigits.min} to ${REQUEST_LIMITS.phoneDigits.max} digits, optionally a leading +; spaces, dashes and parentheses are ignored.`,
  })
  contactPhone?: string | null;
}

@InputType('ResidentRequestFilter', { description: 'Narrows what the caller may see; it never widens it.' })
export class ResidentRequestFilter {
  @Field(() => String, { nullable: true, description: 'Only requests within this unit (a code of any tier).' })
  unitCode?: string | null;

  @Field(() => [RequestCategory], { nullable: true, description: 'Only requests of these categories.' })
  categories?: RequestCategoryName[] | null;

  @Field(() => [RequestStatus], { nullable: true, description: 'Only requests in these statuses.' })
  statuses?: RequestStatusName[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only requests held for review (heldAt set); false: only those not held.' })
  held?: boolean | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'submittedAt at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'submittedAt before this time.' })
  to?: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: 'receivedAt (when the hub stored it; for a request pushed in by another system, not its submittedAt) at or after this time: catching up by arrival.',
  })
  receivedFrom?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'receivedAt before this time.' })
  receivedTo?: Date | null;

  @Field(() => BoundingBoxInput, { nullable: true, description: 'Only requests with a location inside this box.' })
  bbox?: BoundingBoxInput | null;

  @Field(() => NearInput, { nullable: true, description: 'Only requests with a location within this circle.' })
  near?: NearInput | null;
}

@InputType('ResidentRequestRecordInput', { description: 'A request a resident made through another channel (the 12345 hotline, a mini-program), as that system pushes it.' })
export class ResidentRequestRecordInput {
  @Field(() => String, { description: "The sending system's own id (its work-order number); (source, externalId) is unique." })
  externalId!: string;

  @Field(() => RequestCategory, { description: 'What it is about.' })
  category!: RequestCategoryName;

  @Field(() => String, { description: `What it is about: 1 to ${REQUEST_LIMITS.text} characters.` })
  text!: string;

  @Field(() => String, { description: 'The community (or grid) it concerns.' })
  unitCode!: string;

  @Field(() => DateTimeResolver, { description: 'When the resident made it (called the hotline).' })
  submittedAt!: Date;

  @Field(() => String, { nullable: true, description: `An http(s) link to a photo, at most ${REQUEST_LIMITS.photoUrl} characters.` })
  photoUrl?: string | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it is about.' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: `Personal data. At most ${REQUEST_LIMITS.address} characters.` })
  address?: string | null;

  @Field(() => String, { nullable: true, description: `Personal data. At most ${REQUEST_LIMITS.contactName} characters.` })
  contactName?: string | null;

  @Field(() => String, { nullable: true, description: 'Personal data, as for submitResidentRequest.' })
  contactPhone?: string | null;
}

@InputType('IngestResidentRequestsInput', { description: 'A batch of resident requests from one source.' })
export class IngestResidentRequestsInput {
  @Field(() => String, { description: "The sending system: the adapter's name, or name/subsystem. Shown as the request's source." })
  source!: string;

  @Field(() => [ResidentRequestRecordInput], { description: 'At most 1,000 records.' })
  records!: ResidentRequestRecordInput[];

  @Field(() => Boolean, { defaultValue: false, description: 'true: write all records or none.' })
  atomic!: boolean;
}
