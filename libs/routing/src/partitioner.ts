import type { ICustomPartitioner } from 'kafkajs';
import { RoutingError } from './routing-error.ts';

// The constants of org.apache.kafka.common.utils.Utils.murmur2 (MurmurHash2, 32-bit).
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka counts partitions in a Java int. */
export const MAX_PARTITION_COUNT = 0x7fffffff;

/**
 * Kafka's `Utils.murmur2`: the hash the Java producer partitions keyed records by, as the same signed 32-bit
 * integer. `Math.imul` is Java's wrapping int multiply and `>>>` its unsigned shift.
 */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  const whole = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < whole; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's fall-through switch on length % 4.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= bytes[whole + 2]! << 16;
    if (tail >= 2) h ^= bytes[whole + 1]! << 8;
    h ^= bytes[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which would pick other partitions). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's Java producer picks for a record whose serialized key is `bytes`. */
export function partitionForBytes(bytes: Uint8Array, partitionCount: number): number {
  assertPartitionCount(partitionCount);
  return toPositive(murmur2(bytes)) % partitionCount;
}

/**
 * The partition Kafka's Java producer (with its StringSerializer) picks for `key`: murmur2 of the key's UTF-8
 * bytes. A key with a lone surrogate is refused (`INVALID_KEY`): JavaScript encodes it as U+FFFD, Java as '?',
 * so the two would disagree on its partition.
 */
export function partitionFor(key: string, partitionCount: number): number {
  assertPartitionCount(partitionCount);
  if (!key.isWellFormed()) {
    throw new RoutingError(
      'INVALID_KEY',
      `key ${JSON.stringify(key)} contains a lone surrogate, which JavaScript and Java encode to different UTF-8 bytes`,
      {
        context: { key },
      },
    );
  }
  return toPositive(murmur2(Buffer.from(key, 'utf8'))) % partitionCount;
}

/**
 * A kafkajs partitioner that places every message where Kafka's Java producer would: by the murmur2 of its key
 * (a string as UTF-8, a Buffer as is) over all of the topic's partitions. SPR keys every message by its entity,
 * so a keyless message is an error, as is an explicit `partition` that differs from the key's.
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  return ({ topic, partitionMetadata, message }) => {
    const partitionCount = partitionMetadata.length;
    if (partitionCount === 0) {
      throw new RoutingError('NO_PARTITION_METADATA', `no partition metadata for topic '${topic}' yet`, {
        retriable: true,
        context: { topic },
      });
    }
    const key: unknown = message.key;
    let partition: number;
    if (typeof key === 'string') {
      partition = partitionFor(key, partitionCount);
    } else if (key instanceof Uint8Array) {
      partition = partitionForBytes(key, partitionCount);
    } else if (key === null || key === undefined) {
      throw new RoutingError(
        'MISSING_KEY',
        `a message for topic '${topic}' has no key; SPR routes every message by its entity key (compositeKey)`,
        {
          context: { topic },
        },
      );
    } else {
      throw new RoutingError(
        'INVALID_KEY',
        `a message for topic '${topic}' has a ${typeof key} key; expected a string or a Buffer`,
        { context: { topic } },
      );
    }
    const explicit = message.partition;
    if (explicit !== undefined && explicit !== null && explicit !== partition) {
      throw new RoutingError(
        'PARTITION_MISMATCH',
        `a message for topic '${topic}' asks for partition ${explicit} ` +
          `but its key belongs on partition ${partition}; per-entity order needs one partition per key`,
        { context: { topic, partition: explicit, keyPartition: partition } },
      );
    }
    return partition;
  };
};

function assertPartitionCount(partitionCount: number): void {
  if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > MAX_PARTITION_COUNT) {
    throw new RoutingError(
      'INVALID_PARTITION_COUNT',
      `partitionCount must be an integer from 1 to ${MAX_PARTITION_COUNT}, got ${String(partitionCount)}`,
      {
        context: { partitionCount },
      },
    );
  }
}
