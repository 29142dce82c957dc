import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';

@ObjectType('Channel', { description: "A community's channel for residents: the QR code on its notice board." })
export class Channel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'What residents and staff call it, e.g. "曙光社区居民服务码".' })
  name!: string;

  @Field(() => Boolean, { description: 'false once revoked: its token no longer works.' })
  active!: boolean;

  @Field(() => String, { description: 'The principal that created it.' })
  createdBy!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  revokedAt!: Date | null;

  communityCode!: string;
  unitPath!: string;
}

@ObjectType('CreatedChannel', {
  description: 'A channel with its token (after createChannel or rotateChannelToken). The token is shown this once: the hub keeps only its hash.',
})
export class CreatedChannel {
  @Field(() => String, { description: '`ghc_` and 43 characters; what the QR code carries. Residents pass it to submitResidentRequest.' })
  token!: string;

  @Field(() => Channel)
  channel!: Channel;
}

export const ChannelConnection = connectionOf(Channel, 'Channel');
