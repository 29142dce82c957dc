export { apiKeys, type ApiKeyRow } from './apikey.table.js';
