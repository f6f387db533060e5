import type { AnyEvent } from './event-contract.ts';

/** Why a message could not be decoded. None of these gets better by retrying: dead-letter the message. */
export type DecodeFailureReason =
  | 'BAD_MAGIC_BYTE'
  | 'TRUNCATED'
  | 'UNKNOWN_SCHEMA_ID'
  | 'INVALID_BODY'
  | 'UNKNOWN_RECORD_TYPE'
  | 'INCOMPATIBLE_SCHEMA'
  | 'TOMBSTONE';

export type DecodeFailure =
  | { ok: false; reason: DecodeFailureReason; retriable: false; error: string; schemaId?: number }
  /** The registry did not answer for a schema id not cached yet: retry later, the message may be fine. */
  | { ok: false; reason: 'REGISTRY_UNAVAILABLE'; retriable: true; error: string; schemaId: number };

/**
 * The outcome of decoding one Kafka message value. `INCOMPATIBLE_SCHEMA`: the writer's schema is a known record
 * whose version the current reader cannot read (only possible if a schema bypassed the compatibility gate).
 */
export type EventDecodeResult<E extends AnyEvent> = { ok: true; event: E; schemaId: number } | DecodeFailure;

export function decodeFailure(reason: DecodeFailureReason, error: string, schemaId?: number): DecodeFailure {
  return schemaId === undefined
    ? { ok: false, reason, retriable: false, error }
    : { ok: false, reason, retriable: false, error, schemaId };
}
