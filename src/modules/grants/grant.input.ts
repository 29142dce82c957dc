import 'reflect-metadata';
import { Field, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { GrantKind } from './grant.type.js';
import type { GrantKindName } from './grant.kinds.js';

@InputType('GrantAccessInput', { description: 'A new grant: who may read what, where, until when and why.' })
export class GrantAccessInput {
  @Field(() => String, { nullable: true, description: 'Grantee: a unit (give this or granteeDepartmentCode).' })
  granteeUnitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Grantee: a department (give this or granteeUnitCode).' })
  granteeDepartmentCode?: string | null;

  @Field(() => GrantKind, { description: 'The record kind to share.' })
  kind!: GrantKindName;

  @Field(() => [String], { nullable: true, description: 'Only these types of the kind; omit for all.' })
  types?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Personal fields of the kind to show unmasked; omit for none.' })
  fields?: string[] | null;

  @Field(() => String, { description: 'Share records within this unit; it must lie within your own.' })
  withinUnitCode!: string;

  @Field(() => DateTimeResolver, { description: 'When the grant ends; in the future.' })
  expiresAt!: Date;

  @Field(() => String, { description: 'Why: the agreement or task it serves (kept in the audit log).' })
  reason!: string;
}

@InputType('GrantFilter', { description: 'Narrows the grants listed; never widens what you may see.' })
export class GrantFilter {
  @Field(() => GrantKind, { nullable: true, description: 'Only grants of this kind.' })
  kind?: GrantKindName | null;

  @Field(() => String, { nullable: true, description: 'Grants sharing records within this unit or below it.' })
  withinUnitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only grants to this unit.' })
  granteeUnitCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only grants to this department.' })
  granteeDepartmentCode?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only grants in force; false: only revoked or expired ones.' })
  active?: boolean | null;
}
