import 'reflect-metadata';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { Node } from '../../platform/graphql/node.js';
import { loadNode, loadNodes, MAX_NODE_IDS } from './node.service.js';

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'Any record by its id (Relay), exactly as its own query answers you: null when the id is malformed, names nothing, or names a record outside your scope.',
  })
  node(@Arg('id', () => ID, { description: 'An `id` of any type that implements Node.' }) id: string, @Ctx() ctx: RequestContext): Promise<object | null> {
    return loadNode(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: `Several records by id, in the order asked (at most ${MAX_NODE_IDS}); null in place of each that \`node(id:)\` would answer null.` })
  nodes(@Arg('ids', () => [ID], { description: 'Ids of any types that implement Node.' }) ids: string[], @Ctx() ctx: RequestContext): Promise<(object | null)[]> {
    return loadNodes(ctx, ids);
  }
}
