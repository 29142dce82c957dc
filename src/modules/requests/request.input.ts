import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GeoPointInput } from '../alerts/index.js';
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

@InputType('SubmitResidentRequestInput')
export class SubmitResidentRequestInput {
  @Field(() => RequestCategory)
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

  @Field(() => [RequestCategory], { nullable: true })
  categories?: RequestCategoryName[] | null;

  @Field(() => [RequestStatus], { nullable: true })
  statuses?: RequestStatusName[] | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'submittedAt at or after this time.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'submittedAt before this time.' })
  to?: Date | null;
}
