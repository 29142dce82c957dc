import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PURPOSE_ARG } from '../../platform/privacy/personal.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, unitOf } from '../units/index.js';
import { GeoPoint } from '../devices/index.js';
import { PublicChannel, ResidentRequest, ResidentRequestConnection, SubmittedRequest, TrackedRequest } from './request.type.js';
import { IngestResidentRequestsInput, ResidentRequestFilter, SubmitResidentRequestInput } from './request.input.js';
import { ingestResidentRequests } from './request.ingest.js';
import { IngestReport } from '../ingest/index.js';
import {
  getResidentRequest,
  listResidentRequests,
  maskedFieldsOf,
  personalField,
  rateResidentRequest,
  requestLocation,
  requestReply,
  requestText,
  requestTrackingCode,
  residentChannel,
  submitResidentRequest,
  toRequestKey,
  trackResidentRequest,
} from './request.service.js';
import { closeResidentRequest, releaseResidentRequest, replyResidentRequest } from './request.staff.js';
import { requestLive } from './request.live.js';

@Resolver(() => ResidentRequest)
export class ResidentRequestResolver {
  @Mutation(() => SubmittedRequest, {
    description: "Public (no Authorization needed): a resident sends a request to the community of the channel whose token the QR code carries.",
  })
  submitResidentRequest(
    @Arg('channelToken', () => String, { description: "The token the channel's QR code carries." }) channelToken: string,
    @Arg('input', () => SubmitResidentRequestInput, { description: 'The request.' }) input: SubmitResidentRequestInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SubmittedRequest> {
    return submitResidentRequest(ctx, channelToken, input);
  }

  @Mutation(() => IngestReport, {
    description: 'Adapters (the 12345 hotline, …): push up to 1,000 resident requests made through another channel; one result per record, as ingestAlerts.',
  })
  ingestResidentRequests(@Arg('input', () => IngestResidentRequestsInput, { description: 'The source and its records.' }) input: IngestResidentRequestsInput, @Ctx() ctx: RequestContext): Promise<IngestReport> {
    return ingestResidentRequests(ctx, input);
  }

  @Query(() => TrackedRequest, { description: 'Public (no Authorization needed): where a request stands, by its tracking code. NOT_FOUND for an unknown code.' })
  residentRequestStatus(@Arg('trackingCode', () => String, { description: "The code on the resident's receipt." }) trackingCode: string, @Ctx() ctx: RequestContext): Promise<TrackedRequest> {
    return trackResidentRequest(ctx.db, trackingCode);
  }

  @Query(() => PublicChannel, {
    description: 'Public (no Authorization needed): the channel a QR code names and its community, for the submit page. UNAUTHENTICATED for a token that is unknown, replaced or revoked.',
  })
  residentChannel(@Arg('channelToken', () => String, { description: "The token the channel's QR code carries." }) channelToken: string, @Ctx() ctx: RequestContext): Promise<PublicChannel> {
    return residentChannel(ctx.db, channelToken);
  }

  @Mutation(() => TrackedRequest, {
    description:
      'Public (no Authorization needed): the resident rates a CLOSED request, once: satisfaction 1 to 5, an optional comment of at most 500 characters. The rating also goes to the case opened from the request (caseKpis). CONFLICT before it is closed and once rated.',
  })
  rateResidentRequest(
    @Arg('trackingCode', () => String, { description: "The code on the resident's receipt." }) trackingCode: string,
    @Arg('satisfaction', () => Int, { description: '1 to 5, 5 the most satisfied.' }) satisfaction: number,
    @Arg('comment', () => String, { nullable: true, description: 'What the resident adds.' }) comment: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<TrackedRequest> {
    return rateResidentRequest(ctx, trackingCode, satisfaction, comment);
  }

  @Mutation(() => ResidentRequest, {
    description:
      "Staff (officers, admins, grid workers whose unit contains the request's community): the public reply, at most 1,000 characters. SUBMITTED becomes REPLIED; IN_CASE stays; CONFLICT once CLOSED.",
  })
  replyResidentRequest(@Arg('id', () => ID, { description: "The request's id." }) id: string, @Arg('reply', () => String, { description: 'The reply the resident will read.' }) reply: string, @Ctx() ctx: RequestContext): Promise<ResidentRequest> {
    return replyResidentRequest(ctx, id, reply);
  }

  @Mutation(() => ResidentRequest, {
    description:
      'Staff: close a request, with an optional last reply (without one, a request never replied to gets a fixed closing text). A request IN_CASE closes with its case: CONFLICT until the case is closed or rejected.',
  })
  closeResidentRequest(
    @Arg('id', () => ID, { description: "The request's id." }) id: string,
    @Arg('reply', () => String, { nullable: true, description: 'A last reply for the resident.' }) reply: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ResidentRequest> {
    return closeResidentRequest(ctx, id, reply);
  }

  @Mutation(() => ResidentRequest, {
    description:
      "Staff: release a request held for review (it came in past its channel's hourly soft limit; list them with residentRequests(filter: { held: true })). Live subscribers hear of it then. CONFLICT when it is not held.",
  })
  releaseResidentRequest(@Arg('id', () => ID, { description: "The request's id." }) id: string, @Ctx() ctx: RequestContext): Promise<ResidentRequest> {
    return releaseResidentRequest(ctx, id);
  }

  @Query(() => ResidentRequestConnection, { description: 'Resident requests the caller may see, newest first.' })
  async residentRequests(
    @Arg('filter', () => ResidentRequestFilter, { nullable: true, description: 'Narrows the list; never widens your scope.' }) filter: ResidentRequestFilter | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ResidentRequestConnection>> {
    ctx.ledger.statePurpose(purpose);
    return new ResidentRequestConnection(await listResidentRequests(ctx, filter, page), toRequestKey);
  }

  @Query(() => ResidentRequest, { description: 'One resident request; NOT_FOUND when it does not exist or lies outside your scope.' })
  residentRequest(@Arg('id', () => ID, { description: "The request's id." }) id: string, @Arg('purpose', () => String, PURPOSE_ARG) purpose: string | undefined, @Ctx() ctx: RequestContext): Promise<ResidentRequest> {
    ctx.ledger.statePurpose(purpose);
    return getResidentRequest(ctx, id);
  }

  @Subscription(() => ResidentRequest, {
    description: 'Resident requests as they are submitted, within your scope and the filter (personal fields masked as in queries).',
    subscribe: ({ args, context }) =>
      (context as RequestContext).hub.singles.of(requestLive).subscribe(context as RequestContext, (args as { filter?: ResidentRequestFilter }).filter, (args as { after?: string }).after),
  })
  residentRequestSubmitted(
    @Root() request: ResidentRequest,
    @Arg('filter', () => ResidentRequestFilter, { nullable: true, description: 'Only requests matching this filter.' }) _filter: ResidentRequestFilter | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Start after this cursor (an event\'s `cursor`, or the "live now" ping\'s): the records committed since are replayed first, each once, then live ones (docs/api/live.md).' }) _after: string | undefined,
  ): ResidentRequest {
    return request;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: masked (`张*`) unless you work at the community or grid that owns the request.' })
  contactName(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string | null {
    return personalField(ctx, request, 'contactName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: masked (`138****1234`) unless you work at the community or grid that owns the request.' })
  contactPhone(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string | null {
    return personalField(ctx, request, 'contactPhone');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Personal data: cut to the building (`…12幢****`) unless you work at the community or grid that owns the request.' })
  address(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string | null {
    return personalField(ctx, request, 'address');
  }

  @FieldResolver(() => String, { description: 'What the resident wrote; phone and ID numbers in it are masked (`138****1234`) unless you see its contact data in full.' })
  text(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string {
    return requestText(ctx, request);
  }

  @FieldResolver(() => String, { description: 'In full only for whoever sees the contact data in full; `********SEDT` otherwise.' })
  trackingCode(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string {
    return requestTrackingCode(ctx, request);
  }

  @FieldResolver(() => String, { nullable: true, description: "The community's reply; phone and ID numbers in it are masked unless you see the request's contact data in full." })
  reply(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string | null {
    return requestReply(ctx, request);
  }

  @FieldResolver(() => GeoPoint, { nullable: true, description: 'Where it is about: exact for whoever sees its address in full, rounded to 3 decimals (about 100 m) for everyone else.' })
  location(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): GeoPoint | null {
    return requestLocation(ctx, request);
  }

  @FieldResolver(() => [String], { description: 'The personal fields of this request that you see masked (those that hold a value).' })
  maskedFields(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): string[] {
    return maskedFieldsOf(ctx, request);
  }

  @FieldResolver(() => Unit, { description: 'The community it was sent to.' })
  unit(@Root() request: ResidentRequest, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, request.unitCode);
  }
}
