export { apiKeys, type ApiKeyRow } from './apikey.table.js';
export { ApiKey, CreatedApiKey } from './apikey.type.js';
export { ApiKeyResolver } from './apikey.resolver.js';
export { defineApiKeyRules } from './apikey.policy.js';
export { principalForApiKey } from './apikey.service.js';
export { runApiKeyCommand, APIKEY_USAGE, type ApiKeyCommandOutput } from './apikey.cli.js';
