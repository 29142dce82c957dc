import 'reflect-metadata';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** What became of one record of a batch. */
export const RecordStatus = {
  /** Written now; `id` is the new record. */
  ACCEPTED: 'ACCEPTED',
  /**
   * An existing record (same source and externalId) was changed now: a device's registration
   * with a different description, or a heartbeat newer than the last one. `id` is that record.
   * Kinds whose records never change (alerts) do not report it.
   */
  UPDATED: 'UPDATED',
  /** (source, externalId) was already stored, or came earlier in this batch; `id` is that record. */
  DUPLICATE: 'DUPLICATE',
  /** Not written; `error` says why. */
  REJECTED: 'REJECTED',
  /** Valid, but not written because the batch was atomic and another record was rejected. */
  SKIPPED: 'SKIPPED',
} as const;
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];
registerEnumType(RecordStatus, {
  name: 'RecordStatus',
  valuesConfig: {
    ACCEPTED: { description: 'Written now; id is the new record.' },
    UPDATED: { description: 'An existing record (same source and externalId) was changed now; id is that record. Only kinds whose records change (devices).' },
    DUPLICATE: { description: '(source, externalId) was already stored or came earlier in the batch; id is that record.' },
    REJECTED: { description: 'Not written; error says why.' },
    SKIPPED: { description: 'Valid but not written: the batch was atomic and another record was rejected.' },
  },
});

/** Why a record was rejected. */
export const RecordErrorCode = {
  /** A field is out of range, too long or malformed; `field` names it. */
  INVALID_FIELD: 'INVALID_FIELD',
  /** No unit has that code. */
  UNKNOWN_UNIT: 'UNKNOWN_UNIT',
  /** The unit lies outside the adapter's jurisdiction. */
  OUT_OF_JURISDICTION: 'OUT_OF_JURISDICTION',
  /** The record's type is not one the adapter's department owns. */
  OUT_OF_DOMAIN: 'OUT_OF_DOMAIN',
  /** The record refers to another that does not exist (a heartbeat for an unregistered device). */
  UNKNOWN_RECORD: 'UNKNOWN_RECORD',
  /** The unit was retired (merged into another); the message names its successor. */
  RETIRED_UNIT: 'RETIRED_UNIT',
  /** A unit would become its own ancestor. */
  CYCLE: 'CYCLE',
} as const;
export type RecordErrorCode = (typeof RecordErrorCode)[keyof typeof RecordErrorCode];
registerEnumType(RecordErrorCode, { name: 'RecordErrorCode' });

@ObjectType('RecordError')
export class RecordError {
  @Field(() => RecordErrorCode)
  code!: RecordErrorCode;

  @Field(() => String, { nullable: true, description: 'The input field at fault, e.g. unitCode.' })
  field!: string | null;

  @Field(() => String)
  message!: string;
}

@ObjectType('IngestResult')
export class IngestResult {
  @Field(() => Int, { description: 'Position of the record in the batch, from 0.' })
  index!: number;

  @Field(() => String)
  externalId!: string;

  @Field(() => RecordStatus)
  status!: RecordStatus;

  @Field(() => ID, { nullable: true, description: 'The stored record this result is about (ACCEPTED, UPDATED, DUPLICATE); null when none was stored. Not an id of the result: two results of one batch may name the same record.' })
  recordId!: string | null;

  @Field(() => RecordError, { nullable: true })
  error!: RecordError | null;
}

@ObjectType('IngestReport', { description: 'One result per record, in the order sent.' })
export class IngestReport {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int, { description: 'Existing records changed now (kinds whose records change: devices).' })
  updated!: number;

  @Field(() => Int)
  duplicates!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => Int, { description: 'Valid records not written because the atomic batch failed.' })
  skipped!: number;

  @Field(() => [IngestResult])
  results!: IngestResult[];
}
