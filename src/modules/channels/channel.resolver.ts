import 'reflect-metadata';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { Unit, createUnitLoaders } from '../units/index.js';
import { Channel, ChannelConnection, ChannelQrCode, CreatedChannel } from './channel.type.js';
import { CreateChannelInput } from './channel.input.js';
import { channelQrCode, createChannel, listChannels, qrCodeOf, revokeChannel, rotateChannelToken, toChannelKey } from './channel.service.js';

@Resolver(() => Channel)
export class ChannelResolver {
  @Query(() => ChannelConnection, { description: 'Admins: the channels of the communities within your unit, newest first.' })
  async channels(
    @Arg('communityCode', () => String, { nullable: true, description: 'Only the channels of this community (12-digit code).' }) communityCode: string | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ChannelConnection>> {
    return new ChannelConnection(await listChannels(ctx, communityCode, first, after), toChannelKey);
  }

  @Mutation(() => CreatedChannel, { description: 'Admins: open a channel (QR code) for a community within your unit. The token is shown only in this answer.' })
  createChannel(@Arg('input', () => CreateChannelInput) input: CreateChannelInput, @Ctx() ctx: RequestContext): Promise<CreatedChannel> {
    return createChannel(ctx, input);
  }

  @Mutation(() => CreatedChannel, { description: 'Admins: a new token for a channel; the old one stops working at once.' })
  rotateChannelToken(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<CreatedChannel> {
    return rotateChannelToken(ctx, id);
  }

  @Mutation(() => ChannelQrCode, {
    description: "Admins: a channel's QR code again (to reprint its poster), without changing its token. Audited. CONFLICT for a revoked channel, or one made before tokens were kept (rotate it).",
  })
  channelQrCode(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ChannelQrCode> {
    return channelQrCode(ctx, id);
  }

  @Mutation(() => Channel, { description: 'Admins: close a channel for good; its token stops working at once.' })
  revokeChannel(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Channel> {
    return revokeChannel(ctx, id);
  }

  @FieldResolver(() => Unit)
  async community(@Root() channel: Channel, @Ctx() ctx: RequestContext): Promise<Unit> {
    const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(channel.communityCode);
    if (!unit) throw new Error(`channel ${channel.id} has community ${channel.communityCode}, which does not exist`);
    return unit;
  }
}

@Resolver(() => CreatedChannel)
export class CreatedChannelResolver {
  @FieldResolver(() => ChannelQrCode, { description: "The poster: the QR code of this channel's submit page (PUBLIC_URL + /r/#<token>)." })
  qrCode(@Root() created: CreatedChannel, @Ctx() ctx: RequestContext): Promise<ChannelQrCode> {
    return qrCodeOf(ctx.hub.config.publicUrl, created.token);
  }
}
