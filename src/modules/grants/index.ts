import { isUuid } from '../../platform/db/ids.js';
import { getGrant } from './grant.service.js';
import { defineModule } from '../../platform/module.js';

import { grants } from './grant.table.js';
import { GrantResolver } from './grant.resolver.js';
import { defineGrantAdminRules } from './grant.policy.js';

export { grants } from './grant.table.js';
export { Grant, GrantKind } from './grant.type.js';
export { activeGrantsFor } from './grant.service.js';
export { shareKinds } from './grant.kinds.js';

export const grantsModule = defineModule({
  name: 'grants',
  resolvers: [GrantResolver],
  rules: defineGrantAdminRules,
  tables: { grants },
  // Records follow their unit when it moves or is merged (directory).
  hooks: { placedRecords: [{ table: grants, id: grants.id, paths: [{ path: grants.withinPath, code: grants.withinUnitCode }], codes: [grants.granteeUnitCode] }], nodeKinds: [{ type: 'Grant', table: grants, key: grants.id, accepts: isUuid, load: (ctx, id) => getGrant(ctx, id) }] },
});
