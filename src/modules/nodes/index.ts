import { defineModule } from '../../platform/module.js';
import { NodeResolver } from './node.resolver.js';

export type { NodeKindsHook } from './node.service.js';

/** `node(id:)` and `nodes(ids:)`: every module's node types, read through their own queries (hook `nodeKinds`). */
export const nodesModule = defineModule({
  name: 'nodes',
  resolvers: [NodeResolver],
});
