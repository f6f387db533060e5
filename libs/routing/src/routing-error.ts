import { CodedError, type CodedErrorOptions } from '@spr/errors';

export type RoutingErrorCode =
  /** A part of a composite key (`entityType`, `entityId`) breaks the key rules. */
  | 'INVALID_KEY_PART'
  /** A partition key cannot be hashed the way Kafka's Java client would hash it. */
  | 'INVALID_KEY'
  /** A message reached the partitioner without a key; SPR routes every message by its entity key. */
  | 'MISSING_KEY'
  /** A partition count that is not a positive 32-bit integer. */
  | 'INVALID_PARTITION_COUNT'
  /** A message names an explicit partition other than the one its key belongs on. */
  | 'PARTITION_MISMATCH'
  /** The producer has no partition metadata for the topic yet. */
  | 'NO_PARTITION_METADATA'
  /** The topic's partition count differs from the configured one: keys would move to other partitions. */
  | 'PARTITION_COUNT_CHANGED'
  /** The topic does not exist (SPR never relies on auto-creation: the partition count must be deliberate). */
  | 'TOPIC_NOT_FOUND'
  /** A setting from the environment or the caller is missing or malformed. */
  | 'INVALID_CONFIG'
  /** send() after stop(). */
  | 'PRODUCER_STOPPED'
  /** The broker did not accept a batch after the client's retries. */
  | 'SEND_FAILED';

export type RoutingErrorOptions = CodedErrorOptions;

/** Every failure of routing carries a machine-readable code, whether a retry can help, and its context. */
export class RoutingError extends CodedError<RoutingErrorCode> {
  override readonly name = 'RoutingError';
}
