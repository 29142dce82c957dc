import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, unitOf } from '../units/index.js';
import { Channel, ChannelConnection, ChannelQrCode, CreatedChannel } from './channel.type.js';
import { CreateChannelInput } from './channel.input.js';
import { channelQrCode, createChannel, listChannels, qrCodeOf, revokeChannel, rotateChannelToken, toChannelKey } from './channel.service.js';

@Resolver(() => Channel)
export class ChannelResolver {
  @Query(() => ChannelConnection, { description: 'Admins: the channels of the communities within your unit, newest first.' })
  async channels(
    @Arg('communityCode', () => String, { nullable: true, description: 'Only the channels of this community (12-digit code).' }) communityCode: string | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ChannelConnection>> {
    return new ChannelConnection(await listChannels(ctx, communityCode, page), toChannelKey);
  }

  @Mutation(() => CreatedChannel, { description: 'Admins: open a channel (QR code) for a community within your unit. The token is shown only in this answer.' })
  createChannel(@Arg('input', () => CreateChannelInput, { description: "The community and the channel's name." }) input: CreateChannelInput, @Ctx() ctx: RequestContext): Promise<CreatedChannel> {
    return createChannel(ctx, input);
  }

  @Mutation(() => CreatedChannel, { description: 'Admins: a new token for a channel; the old one stops working at once.' })
  rotateChannelToken(@Arg('id', () => ID, { description: "The channel's id." }) id: string, @Ctx() ctx: RequestContext): Promise<CreatedChannel> {
    return rotateChannelToken(ctx, id);
  }

  @Mutation(() => ChannelQrCode, {
    description: "Admins: a channel's QR code again (to reprint its poster), without changing its token. Audited. CONFLICT for a revoked channel, or one made before tokens were kept (rotate it).",
  })
  channelQrCode(@Arg('id', () => ID, { description: "The channel's id." }) id: string, @Ctx() ctx: RequestContext): Promise<ChannelQrCode> {
    return channelQrCode(ctx, id);
  }

  @Mutation(() => Channel, { description: 'Admins: close a channel for good; its token stops working at once.' })
  revokeChannel(@Arg('id', () => ID, { description: "The channel's id." }) id: string, @Ctx() ctx: RequestContext): Promise<Channel> {
    return revokeChannel(ctx, id);
  }

  @FieldResolver(() => Unit, { description: 'The community its requests go to.' })
  community(@Root() channel: Channel, @Ctx() ctx: RequestContext): Unit | Promise<Unit> {
    return unitOf(ctx, channel.communityCode);
  }
}

@Resolver(() => CreatedChannel)
export class CreatedChannelResolver {
  @FieldResolver(() => ChannelQrCode, { description: "The poster: the QR code of this channel's submit page (PUBLIC_URL + /r/#<token>)." })
  qrCode(@Root() created: CreatedChannel, @Ctx() ctx: RequestContext): Promise<ChannelQrCode> {
    return qrCodeOf(ctx.hub.config.publicUrl, created.token);
  }
}
