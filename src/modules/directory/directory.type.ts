import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { connectionOf } from '../../platform/graphql/connection.js';
import type { PrincipalKind as KindName, Role as RoleName } from '../../platform/auth/principal.js';
import { Unit } from '../units/index.js';
import { PrincipalKind, Role } from '../principals/index.js';

@ObjectType('Principal', { description: 'A person or adapter of the directory, as its admins see it.', simpleResolvers: true })
export class DirectoryPrincipal {
  @Field(() => String, { description: "Its name: a token's subject, an API key's adapter." })
  name!: string;

  @Field(() => String, { description: 'Its name as shown to others.' })
  displayName!: string;

  @Field(() => PrincipalKind, { description: 'A person or an adapter.' })
  kind!: KindName;

  @Field(() => [Role], { description: 'Its roles at its unit.' })
  roles!: RoleName[];

  @Field(() => Unit, { nullable: true, description: 'Its unit; null for none.' })
  unit!: Unit | null;

  @Field(() => String, { nullable: true, description: "The department's code (adapters, data officers)." })
  departmentCode!: string | null;

  @Field(() => DateTimeResolver, { description: 'When it was added.' })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Set: refused at every request, open connections closed.' })
  disabledAt!: Date | null;
}

export const PrincipalConnection = connectionOf(DirectoryPrincipal, 'Principal');
