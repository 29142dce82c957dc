export { channels, type ChannelRow } from './channel.table.js';
export { Channel, CreatedChannel } from './channel.type.js';
export { ChannelResolver } from './channel.resolver.js';
export { defineChannelRules } from './channel.policy.js';
export { residentFor, channelTokenHash, newChannelToken, CHANNEL_TOKEN_PREFIX } from './channel.service.js';
