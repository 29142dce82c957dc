import 'reflect-metadata';
import { enumOf } from '../../platform/graphql/enum.js';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PRINCIPAL_KINDS, ROLES, type PrincipalKind as KindName, type Role as RoleName } from '../../platform/auth/principal.js';
import { Unit } from '../units/index.js';

export const Role = enumOf(ROLES);
registerEnumType(Role, { name: 'Role', description: 'What a principal does at its unit; several roles give their union.' });

export const PrincipalKind = enumOf(PRINCIPAL_KINDS);
registerEnumType(PrincipalKind, { name: 'PrincipalKind' });

@ObjectType('DataDomain', { description: 'A record kind a department owns; types null means every type of it.' })
export class DataDomainType {
  @Field(() => String)
  kind!: string;

  @Field(() => [String], { nullable: true })
  types!: string[] | null;
}

@ObjectType('Department')
export class Department {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Unit, { description: 'The unit within which the department owns its domains.' })
  jurisdiction!: Unit;

  @Field(() => [DataDomainType])
  domains!: DataDomainType[];
}

@ObjectType('Me', { description: 'The caller as the hub sees it.' })
export class Me {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => PrincipalKind)
  kind!: KindName;

  @Field(() => [Role])
  roles!: RoleName[];

  @Field(() => Unit, { nullable: true, description: 'Where a person works; null for adapters.' })
  unit!: Unit | null;

  @Field(() => Department, { nullable: true })
  department!: Department | null;

  @Field(() => Int, { nullable: true, description: 'When the credential expires, in seconds since the epoch.' })
  expiresAt!: number | null;
}
