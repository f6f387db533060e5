import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compositeKey } from './composite-key.ts';
import { javaCompatiblePartitioner, murmur2, partitionFor, partitionForBytes, toPositive } from './partitioner.ts';
import { RoutingError } from './routing-error.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Kafka's own vectors: UtilsTest.testMurmur2 in apache/kafka (clients/src/test/java/org/apache/kafka/common/utils). */
const KAFKA_UTILS_TEST: ReadonlyArray<readonly [string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/**
 * Printed by tools/java-partitioner-check (Utils.murmur2 and Utils.toPositive(h) % n of kafka-clients 4.1.2) for
 * the key's UTF-8 bytes: the hash, then the partitions for 3, 6, 12, 100 and 1000 partitions. Byte lengths 0 to 9
 * cover every tail of the hash (length % 4) with and without whole 4-byte blocks; the rest are multi-byte UTF-8.
 */
const JAVA_VECTORS: ReadonlyArray<
  readonly [key: string, hash: number, partitions: readonly [number, number, number, number, number]]
> = [
  ['', 275646681, [0, 3, 9, 81, 681]],
  ['1', -1993445489, [0, 3, 3, 59, 159]],
  ['12', 126087238, [1, 4, 10, 38, 238]],
  ['123', -267702483, [2, 5, 5, 65, 165]],
  ['1234', -1614185708, [0, 0, 0, 40, 940]],
  ['12345', -1188365604, [2, 2, 8, 44, 44]],
  ['123456', -918490292, [0, 0, 0, 56, 356]],
  ['1234567', -605210426, [0, 0, 6, 22, 222]],
  ['12345678', 338742798, [0, 0, 6, 98, 798]],
  ['123456789', -1822237082, [0, 0, 6, 66, 566]],
  ['21', -973932308, [0, 0, 0, 40, 340]],
  ['é', 186971271, [0, 3, 3, 71, 271]], // 2 bytes, Latin-1
  ['Ä', -732574636, [1, 4, 4, 12, 12]], // 2 bytes
  ['€', -1352192002, [1, 4, 10, 46, 646]], // 3 bytes
  ['日本', -700811021, [0, 3, 3, 27, 627]], // 6 bytes, CJK
  ['日本語', 1431860170, [1, 4, 10, 70, 170]], // 9 bytes
  ['😀', 131881617, [0, 3, 9, 17, 617]], // 4 bytes, a surrogate pair in UTF-16
  ['a😀', -1896407616, [2, 2, 8, 32, 32]], // 5 bytes
  ['𝄞x', -45656003, [0, 3, 9, 45, 645]], // 5 bytes
  ['payment:0d6f1f76-3c5e-4b8e-9a57-2f1f0c2f5e11', 45802698, [0, 0, 6, 98, 698]],
];
const VECTOR_PARTITION_COUNTS = [3, 6, 12, 100, 1000] as const;

/** Raw bytes (not UTF-8) with the high bit set in every tail position; from the same Java program, n = 1000. */
const JAVA_BYTE_VECTORS: ReadonlyArray<readonly [bytes: readonly number[], hash: number, partitionOf1000: number]> = [
  [[0xff], -311467685, 963],
  [[0xff, 0xff], -1642832928, 720],
  [[0xff, 0xff, 0xff], 1548199422, 422],
  [[0xff, 0xff, 0xff, 0xff], 644171429, 429],
  [[0x80, 0, 0, 0, 0x80], 144980353, 353],
  [[0, 0, 0, 0, 0, 0, 0, 0], -522759933, 715],
];

function expectRoutingError(action: () => unknown, code: RoutingError['code'], message: RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RoutingError);
  const error = thrown as RoutingError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

describe('murmur2', () => {
  it.each(KAFKA_UTILS_TEST)("matches Kafka's UtilsTest vector %j", (key, hash) => {
    expect(murmur2(utf8(key))).toBe(hash);
  });

  it.each(JAVA_VECTORS)('matches kafka-clients for %j', (key, hash) => {
    expect(murmur2(utf8(key))).toBe(hash);
  });

  it.each(JAVA_BYTE_VECTORS)('matches kafka-clients for the bytes %j', (bytes, hash) => {
    expect(murmur2(Uint8Array.from(bytes))).toBe(hash);
  });

  it('returns a signed 32-bit integer', () => {
    for (const [key] of JAVA_VECTORS) {
      const hash = murmur2(utf8(key));
      expect(hash | 0).toBe(hash);
    }
  });

  it('reads only the bytes of a view, not the rest of its buffer', () => {
    const backing = utf8('xx21yy');
    expect(murmur2(backing.subarray(2, 4))).toBe(-973932308);
  });
});

describe('toPositive', () => {
  it("clears the sign bit like Kafka's Utils.toPositive, which is not Math.abs", () => {
    expect(toPositive(-1993445489)).toBe(154038159);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(0)).toBe(0);
    expect(toPositive(479470107)).toBe(479470107);
  });
});

describe('partitionFor', () => {
  it.each(JAVA_VECTORS)('picks the Java producer partitions for %j', (key, _hash, partitions) => {
    expect(VECTOR_PARTITION_COUNTS.map((n) => partitionFor(key, n))).toEqual(partitions);
    expect(partitionFor(key, 1)).toBe(0);
  });

  it('uses toPositive rather than the absolute value of a negative hash', () => {
    // |-1993445489| % 100 would be 89.
    expect(partitionFor('1', 100)).toBe(59);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('rejects the partition count %s', (count) => {
    expectRoutingError(
      () => partitionFor('payment:1', count),
      'INVALID_PARTITION_COUNT',
      /partitionCount must be an integer from 1 to 2147483647/,
    );
  });

  it('accepts the largest partition count a Java int holds', () => {
    expect(partitionFor('21', 2 ** 31 - 1)).toBe(toPositive(-973932308) % (2 ** 31 - 1));
  });

  it('refuses a key with a lone surrogate, which Java would encode differently', () => {
    expectRoutingError(() => partitionFor('payment:\ud83d', 12), 'INVALID_KEY', /lone surrogate/);
  });
});

describe('partitionForBytes', () => {
  it.each(JAVA_BYTE_VECTORS)('picks the Java producer partition for the bytes %j', (bytes, _hash, partition) => {
    expect(partitionForBytes(Uint8Array.from(bytes), 1000)).toBe(partition);
  });

  it('validates the partition count', () => {
    expectRoutingError(() => partitionForBytes(new Uint8Array(0), 0), 'INVALID_PARTITION_COUNT', /got 0/);
  });
});

describe('javaCompatiblePartitioner', () => {
  const metadata = (count: number): PartitionMetadata[] =>
    Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
  const partition = javaCompatiblePartitioner();

  it('places a string key by the murmur2 of its UTF-8 bytes over all partitions', () => {
    for (const [key, , partitions] of JAVA_VECTORS) {
      const placed = VECTOR_PARTITION_COUNTS.map((n) =>
        partition({ topic: 'payments', partitionMetadata: metadata(n), message: { key, value: null } }),
      );
      expect(placed).toEqual(partitions);
    }
  });

  it('places a Buffer key by its bytes', () => {
    for (const [bytes, , expected] of JAVA_BYTE_VECTORS) {
      expect(
        partition({
          topic: 'payments',
          partitionMetadata: metadata(1000),
          message: { key: Buffer.from(bytes), value: null },
        }),
      ).toBe(expected);
    }
    const key = compositeKey({ entityType: 'payment', entityId: '日本' });
    expect(
      partition({ topic: 'payments', partitionMetadata: metadata(12), message: { key: Buffer.from(key), value: 'v' } }),
    ).toBe(partitionFor(key, 12));
  });

  it('counts partitions whose leader is unavailable, as the Java producer does for keyed records', () => {
    const partitions = metadata(6).map((p) => (p.partitionId === 3 ? { ...p, leader: -1 } : p));
    expect(partition({ topic: 'payments', partitionMetadata: partitions, message: { key: '', value: null } })).toBe(3);
  });

  it.each([null, undefined])('refuses a message whose key is %s', (key) => {
    expectRoutingError(
      () => partition({ topic: 'payments', partitionMetadata: metadata(3), message: { key, value: 'v' } }),
      'MISSING_KEY',
      /topic 'payments' has no key/,
    );
  });

  it('accepts an explicit partition only when it is the key partition', () => {
    expect(
      partition({
        topic: 'payments',
        partitionMetadata: metadata(100),
        message: { key: '1', value: null, partition: 59 },
      }),
    ).toBe(59);
    expectRoutingError(
      () =>
        partition({
          topic: 'payments',
          partitionMetadata: metadata(100),
          message: { key: '1', value: null, partition: 58 },
        }),
      'PARTITION_MISMATCH',
      /asks for partition 58 but its key belongs on partition 59/,
    );
  });

  it('fails retriably without partition metadata', () => {
    let thrown: unknown;
    try {
      partition({ topic: 'payments', partitionMetadata: [], message: { key: 'k', value: null } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'NO_PARTITION_METADATA', retriable: true, context: { topic: 'payments' } });
  });
});
