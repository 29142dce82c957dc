export { channels, type ChannelRow } from './channel.table.js';
