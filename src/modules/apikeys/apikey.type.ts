import 'reflect-metadata';
import { Field, ID, ObjectType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';

@ObjectType('ApiKey', { implements: Node, description: "An adapter's API key as lists show it: never the key itself, only its prefix." })
export class ApiKey {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, { description: 'The adapter (principal name) the key authenticates as.' })
  adapter!: string;

  @Field(() => String, { description: 'The first 12 characters of the key (ghk_ and 8 more), to tell keys apart.' })
  prefix!: string;

  @Field(() => String, { nullable: true, description: 'What the key is for, as its creator wrote it.' })
  label!: string | null;

  @Field(() => String, { description: 'Who created it: a principal name, or cli:<user> for the gridhub command.' })
  createdBy!: string;

  @Field(() => DateTimeResolver, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was revoked; null while it works.' })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The principal who revoked it.' })
  revokedBy!: string | null;
}

@ObjectType('CreatedApiKey', { description: 'A new key: `key` is shown this once and never again.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'Send it as "Authorization: ApiKey <key>" or "X-Api-Key: <key>". The hub keeps only its hash.' })
  key!: string;

  @Field(() => ApiKey, { description: "The key's record (without the secret)." })
  apiKey!: ApiKey;
}

export const ApiKeyConnection = connectionOf(ApiKey, 'ApiKey');
