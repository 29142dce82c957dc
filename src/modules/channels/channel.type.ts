import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';

@ObjectType('Channel', { implements: Node, description: "A community's channel for residents: the QR code on its notice board." })
export class Channel {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, { description: 'What residents and staff call it, e.g. "曙光社区居民服务码".' })
  name!: string;

  @Field(() => Boolean, { description: 'False once revoked: its token no longer works.' })
  active!: boolean;

  @Field(() => String, { description: 'The principal that created it.' })
  createdBy!: string;

  @Field(() => DateTimeResolver, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was revoked; null while active.' })
  revokedAt!: Date | null;

  communityCode!: string;
  unitPath!: string;
}

@ObjectType('ChannelQrCode', {
  description: "A channel's poster image: the QR code of its submit-page URL (PUBLIC_URL + /r/#<token>).",
})
export class ChannelQrCode {
  @Field(() => String, { description: 'What the code encodes: the submit page, the channel token in the fragment.' })
  url!: string;

  @Field(() => String, { description: 'The QR code as a standalone SVG document (for print).' })
  svg!: string;

  @Field(() => String, { description: 'The QR code as a PNG, `data:image/png;base64,…` (for screens).' })
  pngDataUrl!: string;
}

@ObjectType('CreatedChannel', {
  description: 'A channel with its token (after createChannel or rotateChannelToken), and the QR code that carries it.',
})
export class CreatedChannel {
  @Field(() => String, { description: '`ghc_` and 43 characters; what the QR code carries. Residents pass it to submitResidentRequest.' })
  token!: string;

  @Field(() => Channel, { description: 'The channel.' })
  channel!: Channel;
}

export const ChannelConnection = connectionOf(Channel, 'Channel');
