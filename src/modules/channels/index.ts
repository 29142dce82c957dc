import { isUuid } from '../../platform/db/ids.js';
import { requireManagedChannel } from './channel.service.js';
import { defineModule } from '../../platform/module.js';

import { channels } from './channel.table.js';
import { ChannelResolver, CreatedChannelResolver } from './channel.resolver.js';
import { defineChannelRules } from './channel.policy.js';

export { channels } from './channel.table.js';
export { Channel, CreatedChannel } from './channel.type.js';
export { residentFor, channelTokenHash, CHANNEL_TOKEN_PREFIX } from './channel.service.js';
export { SUBMIT_PAGE_PATH, STATUS_PAGE_PATH } from './channel.qr.js';
export { runQrCommand, QR_USAGE } from './channel.cli.js';

export const channelsModule = defineModule({
  name: 'channels',
  resolvers: [ChannelResolver, CreatedChannelResolver],
  rules: defineChannelRules,
  tables: { channels },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { placedRecords: [{ table: channels, id: channels.id, paths: [], codes: [channels.communityCode] }], nodeKinds: [{ type: 'Channel', table: channels, key: channels.id, accepts: isUuid, load: (ctx, id) => requireManagedChannel(ctx, id) }] },
});
