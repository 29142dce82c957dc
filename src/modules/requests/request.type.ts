import 'reflect-metadata';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { connectionOf } from '../../platform/graphql/connection.js';
import { GeoPoint } from '../devices/index.js';
import { REQUEST_CATEGORIES, REQUEST_STATUSES, type RequestCategoryName, type RequestStatusName } from './request.table.js';

export const RequestCategory = enumOf(REQUEST_CATEGORIES);
registerEnumType(RequestCategory, {
  name: 'RequestCategory',
  description: 'What a resident is sending.',
  valuesConfig: {
    SUGGESTION: { description: '建议: an idea for the community' },
    COMPLAINT: { description: '投诉: something that is wrong and bothers the resident' },
    HELP: { description: '求助: the resident needs help' },
    HAZARD: { description: '隐患: a danger to report (blocked fire passage, loose manhole cover, …)' },
  },
});

export const RequestStatus = enumOf(REQUEST_STATUSES);
registerEnumType(RequestStatus, {
  name: 'RequestStatus',
  description: 'Where a resident request stands.',
  valuesConfig: {
    SUBMITTED: { description: 'received, not yet answered' },
    REPLIED: { description: 'the community replied' },
    IN_CASE: { description: 'handled as a case (案卷)' },
    CLOSED: { description: 'done' },
  },
});

/** The three personal fields, masked above the community that owns the request. */
interface RequestPersonalData {
  address: string | null;
  contactName: string | null;
  contactPhone: string | null;
}

@ObjectType('ResidentRequest', { implements: Node,
  description:
    'What a resident sent through a community channel, as staff see it. address, contactName and contactPhone are personal data: full values for staff of the community (or grid) that owns the request, masked for everyone else; maskedFields says which.',
})
export class ResidentRequest {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'In a live subscription: this event\'s place in the stream, for `after` when resubscribing (docs/api/live.md). Null in queries.',
  })
  cursor?: string | null;

  @Field(() => String, {
    description:
      "The resident's handle on it (residentRequestStatus): whoever holds it reads the reply and rates the request, so it shows in full only to whoever sees the request's contact data in full, and as `********SEDT` (the last four characters) to everyone else.",
  })
  trackingCode!: string;

  @Field(() => RequestCategory, { description: 'What it is about.' })
  category!: RequestCategoryName;

  @Field(() => String, { description: 'What the resident wrote; phone and ID numbers in it are masked (`138****1234`) unless you see its contact data in full.' })
  text!: string;

  @Field(() => String, { nullable: true, description: 'A photo the resident attached.' })
  photoUrl!: string | null;

  @Field(() => GeoPoint, { nullable: true, description: 'Where it is about, when given.' })
  location!: GeoPoint | null;

  @Field(() => RequestStatus, { description: 'Where it stands.' })
  status!: RequestStatusName;

  @Field(() => String, { nullable: true, description: "The community's reply, once there is one; phone and ID numbers in it are masked unless you see the request's contact data in full." })
  reply!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the community replied.' })
  repliedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "The resident's rating at the end, 1 to 5." })
  satisfaction!: number | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the resident rated it (rateResidentRequest).' })
  ratedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "The resident's comment with the rating." })
  ratingComment!: string | null;

  @Field(() => DateTimeResolver, { description: 'When the resident submitted it.' })
  submittedAt!: Date;

  @Field(() => DateTimeResolver, {
    description: 'When the hub stored it: submittedAt for a channel submission; for a request pushed in by another system, the time of the push (its submittedAt is that system\'s).',
  })
  receivedAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was closed.' })
  closedAt!: Date | null;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: "When it came in past its channel's hourly soft limit and was held for review; null once released (releaseResidentRequest) or never held.",
  })
  heldAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The system that pushed it in (e.g. 12345-hotline); null for a request sent through a community channel (QR).' })
  source!: string | null;

  @Field(() => String, { nullable: true, description: "That system's own id for it." })
  externalId!: string | null;

  unitCode!: string;
  unitPath!: string;
  /** Raw values: only ever returned through personalValue. */
  personal!: RequestPersonalData;
}

export const ResidentRequestConnection = connectionOf(ResidentRequest, 'ResidentRequest');

@ObjectType('SubmittedRequest', { description: 'The receipt a resident gets: keep the tracking code to follow the request.' })
export class SubmittedRequest {
  @Field(() => String, { description: '12 characters (no 0/O, 1/I/L or U); case and dashes are ignored when looking it up.' })
  trackingCode!: string;

  @Field(() => RequestStatus, { description: 'Where it stands (SUBMITTED).' })
  status!: RequestStatusName;

  @Field(() => DateTimeResolver, { description: 'When the hub received it.' })
  submittedAt!: Date;

  @Field(() => Boolean, { description: 'True when the channel was busy and staff review the request before it is handled; it is kept either way.' })
  heldForReview!: boolean;
}

@ObjectType('PublicUnit', { description: 'A unit as the public sees it: its code and name, nothing above or below.' })
export class PublicUnit {
  @Field(() => String, { description: "The unit's code." })
  code!: string;

  @Field(() => String, { description: "The unit's name." })
  name!: string;
}

@ObjectType('TrackedRequest', {
  description: 'What anyone holding the tracking code sees of a request: no contact data, no text, no staff names.',
})
export class TrackedRequest {
  @Field(() => String, { description: 'The code it was looked up by.' })
  trackingCode!: string;

  @Field(() => RequestCategory, { description: 'What it is about.' })
  category!: RequestCategoryName;

  @Field(() => RequestStatus, { description: 'Where it stands.' })
  status!: RequestStatusName;

  @Field(() => DateTimeResolver, { description: 'When it was submitted.' })
  submittedAt!: Date;

  @Field(() => String, { nullable: true, description: "The community's reply, once there is one." })
  reply!: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When the community replied.' })
  repliedAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was closed.' })
  closedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "The resident's rating, 1 to 5, once given." })
  satisfaction!: number | null;

  @Field(() => Boolean, { description: 'True while the request is CLOSED and not yet rated: rateResidentRequest will accept a rating.' })
  canRate!: boolean;

  @Field(() => PublicUnit, { description: 'The community the request went to.' })
  unit!: PublicUnit;
}

@ObjectType('PublicChannel', { description: 'What a channel token tells the public: the channel and its community, nothing else.' })
export class PublicChannel {
  @Field(() => String, { description: 'The channel\'s name, e.g. "曙光社区居民服务码".' })
  name!: string;

  @Field(() => PublicUnit, { description: "The community the channel's requests go to." })
  community!: PublicUnit;
}
