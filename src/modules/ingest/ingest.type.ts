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
  description: 'What became of one record of a batch.',
  valuesConfig: {
    ACCEPTED: { description: 'Written now; recordId is the new record.' },
    UPDATED: { description: 'An existing record (same source and externalId) was changed now; recordId is that record. Only kinds whose records change (devices).' },
    DUPLICATE: { description: '(source, externalId) was already stored or came earlier in the batch; recordId is that record.' },
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
registerEnumType(RecordErrorCode, {
  name: 'RecordErrorCode',
  description: 'Why a record was rejected.',
  valuesConfig: {
    INVALID_FIELD: { description: 'A field is out of range, too long or malformed; field names it.' },
    UNKNOWN_UNIT: { description: 'No unit has that code.' },
    OUT_OF_JURISDICTION: { description: "The unit lies outside the adapter's jurisdiction." },
    OUT_OF_DOMAIN: { description: "The record's type is not one the adapter's department owns." },
    UNKNOWN_RECORD: { description: 'The record refers to another that does not exist (a heartbeat for an unregistered device).' },
    RETIRED_UNIT: { description: 'The unit was retired (merged into another); the message names its successor.' },
    CYCLE: { description: 'A unit would become its own ancestor.' },
  },
});

@ObjectType('RecordError', { description: 'Why one record of a batch was rejected.' })
export class RecordError {
  @Field(() => RecordErrorCode, { description: 'The reason, as a code.' })
  code!: RecordErrorCode;

  @Field(() => String, { nullable: true, description: 'The input field at fault, e.g. unitCode.' })
  field!: string | null;

  @Field(() => String, { description: 'The reason, in English.' })
  message!: string;
}

@ObjectType('IngestResult', { description: 'What became of one record of a batch.' })
export class IngestResult {
  @Field(() => Int, { description: 'Position of the record in the batch, from 0.' })
  index!: number;

  @Field(() => String, { description: "The record's externalId, as sent." })
  externalId!: string;

  @Field(() => RecordStatus, { description: 'What became of it.' })
  status!: RecordStatus;

  @Field(() => ID, { nullable: true, description: 'The stored record this result is about (ACCEPTED, UPDATED, DUPLICATE); null when none was stored. Not an id of the result: two results of one batch may name the same record.' })
  recordId!: string | null;

  @Field(() => RecordError, { nullable: true, description: 'Why it was rejected; null unless REJECTED.' })
  error!: RecordError | null;
}

@ObjectType('IngestReport', { description: 'One result per record, in the order sent.' })
export class IngestReport {
  @Field(() => Int, { description: 'Records written now.' })
  accepted!: number;

  @Field(() => Int, { description: 'Existing records changed now (kinds whose records change: devices).' })
  updated!: number;

  @Field(() => Int, { description: 'Records already stored, or sent twice in the batch.' })
  duplicates!: number;

  @Field(() => Int, { description: 'Records refused; their results say why.' })
  rejected!: number;

  @Field(() => Int, { description: 'Valid records not written because the atomic batch failed.' })
  skipped!: number;

  @Field(() => [IngestResult], { description: 'One result per record, in the order sent.' })
  results!: IngestResult[];
}
