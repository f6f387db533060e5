import { isTransientPgError } from '@spr/ledger-db';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaDriver } from './kafka-driver.ts';
import { claimPartition, type PartitionClaim, type PartitionRef } from './offset-store.ts';
import { backoffDelay, type BackoffOptions } from './retry.ts';
import { RuntimeError } from './runtime-error.ts';

export interface PartitionOwnershipOptions {
  readonly pool: pg.Pool;
  readonly driver: KafkaDriver;
  readonly groupId: string;
  readonly topic: string;
  /** This member in consumer_offsets.owner. */
  readonly owner: string;
  /** Where a partition without a stored offset starts. */
  readonly startFrom: 'earliest' | 'latest';
  readonly backoff: BackoffOptions;
  /** Aborted when the runtime stops: no claim starts after that. */
  readonly signal: AbortSignal;
  onRetry(error: unknown): void;
}

/**
 * Claims partitions in PostgreSQL for this member: a claim increments the partition's generation, so any chunk
 * transaction of an earlier owner (or of this member's earlier assignment) that has not committed yet fails its
 * fenced offset update (decision 0003). Claims run one after another, in assignment order, and a claim whose
 * assignment was superseded before it ran is skipped: a late claim would bump the generation under the
 * partition's newer owner and fence it.
 */
export interface PartitionOwnership {
  /** Claims `partition`; rejects with a STOPPED RuntimeError if `superseded()` turns true before the claim ran. */
  claim(partition: number, superseded: () => boolean): Promise<PartitionClaim>;
  /** Resolves once every claim sent so far has ended (stop() waits for it before leaving the group). */
  settled(): Promise<void>;
}

export function createPartitionOwnership(options: PartitionOwnershipOptions): PartitionOwnership {
  const { pool, driver, groupId, topic, owner, signal } = options;
  let claims: Promise<unknown> = Promise.resolve();

  const claimOnce = async (partition: number, superseded: () => boolean): Promise<PartitionClaim> => {
    const ref: PartitionRef = { groupId, topic, partition };
    const stopped = () => superseded() || signal.aborted;
    if (stopped())
      throw new RuntimeError(
        'STOPPED',
        `the assignment of partition ${partition} was superseded before it was claimed`,
      );
    for (let attempt = 0; ; attempt++) {
      if (stopped())
        throw new RuntimeError(
          'STOPPED',
          `the assignment of partition ${partition} was superseded before it was claimed`,
        );
      try {
        const logOffsets = (await driver.offsets()).get(partition);
        const start = options.startFrom === 'latest' ? (logOffsets?.end ?? 0n) : (logOffsets?.start ?? 0n);
        return await claimPartition(pool, ref, owner, start);
      } catch (error) {
        if (!isTransientPgError(error) && !(error as { retriable?: unknown }).retriable) throw error;
        options.onRetry(error);
        await sleep(backoffDelay(attempt, options.backoff), undefined, { signal }).catch(() => undefined);
      }
    }
  };

  return {
    claim(partition, superseded) {
      const claimed = claims.then(() => claimOnce(partition, superseded));
      claims = claimed.catch(() => undefined);
      return claimed;
    },
    settled: () => claims.then(() => undefined),
  };
}
