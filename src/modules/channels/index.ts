export { channels, type ChannelRow } from './channel.table.js';
export { Channel, CreatedChannel, ChannelQrCode } from './channel.type.js';
export { ChannelResolver, CreatedChannelResolver } from './channel.resolver.js';
export { defineChannelRules } from './channel.policy.js';
export { residentFor, channelTokenHash, newChannelToken, qrCodeOf, CHANNEL_TOKEN_PREFIX } from './channel.service.js';
export { SUBMIT_PAGE_PATH, STATUS_PAGE_PATH, submitPageUrl, renderQr, type RenderedQr } from './channel.qr.js';
export { runQrCommand, QR_USAGE, type QrCommandOptions, type QrCommandOutput } from './channel.cli.js';
