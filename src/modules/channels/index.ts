import { isUuid } from '../../platform/db/ids.js';
import { requireManagedChannel } from './channel.service.js';
import { defineModule } from '../../platform/module.js';

import { channels } from './channel.table.js';
import { ChannelResolver, CreatedChannelResolver } from './channel.resolver.js';
import { defineChannelRules } from './channel.policy.js';

export { channels, type ChannelRow } from './channel.table.js';
export { Channel, CreatedChannel, ChannelQrCode } from './channel.type.js';
export { ChannelResolver, CreatedChannelResolver } from './channel.resolver.js';
export { defineChannelRules } from './channel.policy.js';
export { residentFor, channelTokenHash, newChannelToken, qrCodeOf, CHANNEL_TOKEN_PREFIX } from './channel.service.js';
export { SUBMIT_PAGE_PATH, STATUS_PAGE_PATH, submitPageUrl, renderQr, type RenderedQr } from './channel.qr.js';
export { runQrCommand, QR_USAGE, type QrCommandOptions, type QrCommandOutput } from './channel.cli.js';

export const channelsModule = defineModule({
  name: 'channels',
  resolvers: [ChannelResolver, CreatedChannelResolver],
  rules: defineChannelRules,
  tables: { channels },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { placedRecords: [{ table: channels, id: channels.id, paths: [], codes: [channels.communityCode] }], nodeKinds: [{ type: 'Channel', table: channels, key: channels.id, accepts: isUuid, load: (ctx, id) => requireManagedChannel(ctx, id) }] },
});
