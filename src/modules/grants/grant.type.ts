import 'reflect-metadata';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../../platform/graphql/node.js';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';
import { GrantKindDescriptions, GrantKindValues, type GrantKindName } from './grant.kinds.js';

export const GrantKind = GrantKindValues;
registerEnumType(GrantKind, { name: 'GrantKind', description: 'A record kind a grant can share.', valuesConfig: GrantKindDescriptions });

@ObjectType('Grant', { implements: Node, description: 'A sharing agreement: the grantee may read records of a kind within a unit, until it expires or is revoked.' })
export class Grant {
  @Field(() => ID, { description: 'Unique across every type: `node(id:)` answers this record.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'The unit whose people receive it (officers, admins, grid workers, data officers there).' })
  granteeUnitCode!: string | null;

  @Field(() => String, { nullable: true, description: "The department whose data officers receive it." })
  granteeDepartmentCode!: string | null;

  @Field(() => GrantKind, { description: 'The record kind shared.' })
  kind!: GrantKindName;

  @Field(() => [String], { nullable: true, description: 'Only these types (alert or device types, request categories); null for all.' })
  types!: string[] | null;

  @Field(() => [String], { description: 'Personal fields the grantee sees unmasked; empty: masked like any other reader.' })
  fields!: string[];

  @Field(() => String, { description: 'The unit within which records are shared.' })
  withinUnitCode!: string;

  @Field(() => DateTimeResolver, { description: 'When it stops applying.' })
  expiresAt!: Date;

  @Field(() => String, { description: 'Why it was granted (required, for the audit).' })
  reason!: string;

  @Field(() => String, { description: 'The principal who granted it.' })
  createdBy!: string;

  @Field(() => DateTimeResolver, { description: 'When it was granted.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'When it was revoked; null while not.' })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The principal who revoked it.' })
  revokedBy!: string | null;

  @Field(() => Boolean, { description: 'Neither revoked nor expired.' })
  active!: boolean;

  withinPath!: string;
}

export const GrantConnection = connectionOf(Grant, 'Grant');
