import 'reflect-metadata';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver, SafeIntResolver } from 'graphql-scalars';
import { enumOf } from '../../platform/graphql/enum.js';
import { connectionOf } from '../../platform/graphql/connection.js';
import { AUDIT_OUTCOMES, type AuditOutcomeName } from './audit.table.js';

export const AuditOutcome = enumOf(AUDIT_OUTCOMES);
registerEnumType(AuditOutcome, {
  name: 'AuditOutcome',
  description: 'Whether an audited operation happened or was refused.',
  valuesConfig: {
    ALLOWED: { description: 'It happened: a write, or personal data returned unmasked.' },
    DENIED: { description: 'The rules refused it (FORBIDDEN, or NOT_FOUND for a record outside the scope).' },
  },
});

@ObjectType('AuditEntry', { description: 'One link of the append-only, hash-chained audit log.' })
export class AuditEntry {
  @Field(() => SafeIntResolver, { description: 'Position in the chain: 1, 2, 3, … with no gaps.' })
  seq!: number;

  @Field(() => DateTimeResolver, { description: 'When it happened.' })
  at!: Date;

  @Field(() => String, { description: "The principal's name (anonymous for none)." })
  actor!: string;

  @Field(() => String, { description: 'PERSON, ADAPTER, RESIDENT, ANONYMOUS, or SYSTEM for the hub itself (the device-silence sweeper).' })
  actorKind!: string;

  @Field(() => String, { nullable: true, description: "Where the actor works: its unit, or its department's jurisdiction." })
  unitCode!: string | null;

  @Field(() => String, { description: 'A mutation (ingestAlerts, acknowledgeAlert, …), read (personal data returned unmasked), or the action refused.' })
  operation!: string;

  @Field(() => AuditOutcome, { description: 'Whether it happened or was refused.' })
  outcome!: AuditOutcomeName;

  @Field(() => String, { nullable: true, description: 'The record kind (Alert, Device, …).' })
  kind!: string | null;

  @Field(() => [String], { description: 'The ids of the records concerned.' })
  recordIds!: string[];

  @Field(() => [String], { description: 'The personal fields returned unmasked.' })
  fields!: string[];

  @Field(() => String, { nullable: true, description: 'The purpose the caller stated (x-purpose header, or connectionParams.purpose).' })
  purpose!: string | null;

  @Field(() => JSONObjectResolver, { description: 'What else was recorded about it.' })
  details!: Record<string, unknown>;

  @Field(() => String, { description: "The previous entry's hash (64 zeros for the first)." })
  prevHash!: string;

  @Field(() => String, { description: 'SHA-256 over prevHash and this entry’s canonical form.' })
  hash!: string;

  unitPath!: string | null;
}

export const AuditEntryConnection = connectionOf(AuditEntry, 'AuditEntry');
