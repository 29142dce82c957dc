import { isUuid } from '../../platform/db/ids.js';
import { getApiKey } from './apikey.service.js';
import { defineModule } from '../../platform/module.js';
import { apiKeys } from './apikey.table.js';
import { ApiKeyResolver } from './apikey.resolver.js';
import { defineApiKeyRules } from './apikey.policy.js';

export { apiKeys } from './apikey.table.js';
export { ApiKey } from './apikey.type.js';
export { principalForApiKey } from './apikey.service.js';
export { runApiKeyCommand, APIKEY_USAGE } from './apikey.cli.js';

export const apiKeysModule = defineModule({
  name: 'apikeys',
  resolvers: [ApiKeyResolver],
  rules: defineApiKeyRules,
  tables: { apiKeys },
  hooks: { nodeKinds: [{ type: 'ApiKey', table: apiKeys, key: apiKeys.id, accepts: isUuid, load: (ctx, id) => getApiKey(ctx, id) }] },
});
