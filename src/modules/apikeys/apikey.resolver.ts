import 'reflect-metadata';
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../platform/context.js';
import { PageArgs } from '../../platform/graphql/connection.js';
import { ApiKey, ApiKeyConnection, CreatedApiKey } from './apikey.type.js';
import { CreateApiKeyInput } from './apikey.input.js';
import { createApiKey, listApiKeys, revokeApiKey, toApiKeyKey } from './apikey.service.js';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, { description: 'Admins: the API keys of the adapters you manage (revoked ones too), newest first. Never the keys themselves.' })
  async apiKeys(
    @Arg('adapter', () => String, { nullable: true, description: 'Only the keys of this adapter.' }) adapter: string | undefined,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<InstanceType<typeof ApiKeyConnection>> {
    return new ApiKeyConnection(await listApiKeys(ctx, adapter, page), toApiKeyKey);
  }

  @Mutation(() => CreatedApiKey, { description: 'Admins: a new API key for an adapter whose jurisdiction lies within your unit. The key is in the answer, once.' })
  createApiKey(@Arg('input', () => CreateApiKeyInput, { description: 'The adapter and a label.' }) input: CreateApiKeyInput, @Ctx() ctx: RequestContext): Promise<CreatedApiKey> {
    return createApiKey(ctx, input);
  }

  @Mutation(() => ApiKey, { description: 'Admins: revoke a key at once, on every hub process; open WebSockets that presented it close with 4401. CONFLICT if already revoked.' })
  revokeApiKey(@Arg('id', () => ID, { description: "The key's id." }) id: string, @Ctx() ctx: RequestContext): Promise<ApiKey> {
    return revokeApiKey(ctx, id);
  }
}
