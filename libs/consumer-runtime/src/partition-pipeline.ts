import type { Logger } from '@spr/observability';
import { setTimeout as sleep } from 'node:timers/promises';
import { FatalChunkError, type ChunkCommitOutcome } from './chunk-committer.ts';
import type { PreparedMessage } from './chunk-processor.ts';
import type { FaultInjector } from './fault-points.ts';
import type { FetchedRecords, KafkaDriver } from './kafka-driver.ts';
import { createPartitionLane, type PartitionLane } from './partition-lane.ts';
import type { PartitionOwnership } from './partition-ownership.ts';
import type { PartitionPauses } from './partition-pauses.ts';
import { prepareMessages } from './prepare-messages.ts';
import { backoffDelay, type BackoffOptions } from './retry.ts';
import { RuntimeError } from './runtime-error.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import type { EventDecoder, RawMessage } from './types.ts';

/** The line a member logs when it finds that another member claimed one of its partitions. */
export const FENCED_MESSAGE = 'fenced: another member claimed this partition; pausing it until the group reassigns it';

export interface PartitionPipelineOptions<E> {
  readonly driver: KafkaDriver;
  readonly ownership: PartitionOwnership;
  readonly pauses: PartitionPauses;
  readonly decoder: EventDecoder<E>;
  readonly faults: FaultInjector;
  readonly metrics: RuntimeMetrics;
  readonly logger: Logger;
  readonly chunk: { readonly maxEvents: number; readonly maxBytes: number };
  readonly queueMaxBytesPerPartition: number;
  readonly maxMessageBytes: number;
  readonly backoff: BackoffOptions;
  /** Stage tracing: every n-th offset's fetch time is kept until its chunk commits. */
  readonly sampleEvery?: number;
  /** Commits prepared events of the lane as chunk transactions (the commit policy, bound to the lane). */
  commit(lane: PartitionLane, prepared: readonly PreparedMessage<E>[]): Promise<ChunkCommitOutcome>;
  onFenced(partition: number): void;
  /** A failure retrying cannot fix: the runtime stops. */
  onFatal(error: Error): void;
}

/**
 * The pipeline (decision 0008): the lanes of the current assignment, one per partition, each with its claim, its
 * queue of fetched records and one worker that commits one chunk after another. Records go to their lane as
 * soon as the driver hands them over; a full queue pauses its partition only; no partition waits for another.
 */
export interface PartitionPipeline {
  /** A new assignment: the old lanes stop taking chunks, each partition is claimed anew. */
  assigned(generation: number, partitions: readonly number[]): void;
  records(fetched: FetchedRecords): void;
  lanes(): PartitionLane[];
  lane(partition: number): PartitionLane | undefined;
  /** Another member claimed the lane's partition (found by a chunk or by the offset monitor). */
  fenced(lane: PartitionLane, context: Record<string, unknown>): void;
  /** The stored offset moved under the lane's claim (an operator's reset): read from there. */
  reposition(lane: PartitionLane, nextOffset: bigint): void;
  /** Stops every lane and waits up to `timeoutMs` for the chunks in flight; false if some were still running. */
  stop(timeoutMs: number): Promise<boolean>;
}

export function createPartitionPipeline<E>(options: PartitionPipelineOptions<E>): PartitionPipeline {
  const { driver, ownership, pauses, metrics } = options;
  const log = options.logger;
  const lanes = new Map<number, PartitionLane>();
  /** Workers that may still run a chunk, also of lanes of earlier assignments. */
  const workers = new Set<Promise<void>>();

  const syncPauses = () => {
    const { paused, resumed } = pauses.sync(driver);
    if (paused.length > 0 || resumed.length > 0)
      log.debug({ paused, resumed }, 'partition pauses synced with the Kafka client');
  };
  const isCurrent = (lane: PartitionLane) => lanes.get(lane.partition) === lane;

  const claim = (lane: PartitionLane) => {
    const { partition } = lane;
    ownership
      .claim(partition, () => !isCurrent(lane) || lane.state !== 'claiming')
      .then(
        (claimed) => {
          if (!isCurrent(lane) || lane.state !== 'claiming') return;
          lane.open(claimed);
          // The seek comes before the partition is fetched again, so nothing from an older position reaches the lane.
          driver.seek(partition, claimed.nextOffset);
          pauses.set(partition, 'unclaimed', false);
          syncPauses();
          log.info(
            { partition, nextOffset: claimed.nextOffset, generation: claimed.generation },
            'claimed partition; seeking to the stored offset',
          );
          startWorker(lane);
        },
        (error: unknown) => {
          if (error instanceof RuntimeError && error.code === 'STOPPED') return log.debug({ partition }, error.message);
          options.onFatal(
            new RuntimeError('INVALID_CONFIG', `claiming partition ${partition} failed: ${(error as Error).message}`, {
              cause: error,
            }),
          );
        },
      );
  };

  const startWorker = (lane: PartitionLane) => {
    const worker = work(lane).catch((error: unknown) =>
      options.onFatal(error instanceof Error ? error : new Error(String(error))),
    );
    workers.add(worker);
    void worker.finally(() => workers.delete(worker));
  };

  /** One partition's chunks, one transaction after another, until the lane stops or is fenced. */
  const work = async (lane: PartitionLane) => {
    for (;;) {
      const records = await lane.nextChunk(options.chunk.maxEvents, options.chunk.maxBytes);
      if (!records) return;
      relieve(lane);
      if (options.faults.shouldFail('after-fetch')) options.faults.trip('after-fetch');
      const prepared = await prepare(lane, records);
      if (!prepared) return;
      let outcome: ChunkCommitOutcome;
      try {
        outcome = await options.commit(lane, prepared);
      } catch (error) {
        if (error instanceof FatalChunkError)
          return options.onFatal(new Error(`partition ${lane.partition}: ${error.message}`, { cause: error.cause }));
        throw error;
      }
      if (outcome.kind === 'fenced') return pipeline.fenced(lane, { stored: outcome.stored, by: 'chunk transaction' });
      if (outcome.kind === 'reposition') pipeline.reposition(lane, outcome.nextOffset);
      if (outcome.kind === 'stopped') return;
    }
  };

  /** Decodes a chunk's records; a transient failure (the registry is down) is retried for as long as it takes. */
  const prepare = async (lane: PartitionLane, records: RawMessage[]): Promise<PreparedMessage<E>[] | undefined> => {
    for (let attempt = 0; lane.state === 'running'; attempt++) {
      try {
        return await prepareMessages(options.decoder, records, options.maxMessageBytes);
      } catch (error) {
        if (!(error instanceof RuntimeError && error.retriable)) throw error;
        metrics.retries.inc({ kind: 'decode' });
        log.warn(
          { partition: lane.partition, attempt, err: error },
          'decoding failed transiently (schema registry?); retrying',
        );
        await sleep(backoffDelay(attempt, options.backoff), undefined, { signal: lane.signal }).catch(() => undefined);
      }
    }
    return undefined;
  };

  /** Below half its budget, a full queue fetches again (hysteresis: no pause and resume per record). */
  const relieve = (lane: PartitionLane) => {
    if (lane.queuedBytes * 2 > options.queueMaxBytesPerPartition || !pauses.isPausedBy(lane.partition, 'queue-full'))
      return;
    pauses.set(lane.partition, 'queue-full', false);
    syncPauses();
  };

  const pipeline: PartitionPipeline = {
    assigned(generation, partitions) {
      // Every rebalance claims anew: work of this member from before it is fenced by the new generation.
      for (const lane of lanes.values()) lane.stop();
      lanes.clear();
      // Reasons of the old assignment are forgotten; the client keeps its pauses across rebalances, so it is
      // synced: a partition this member gets back is fetched again once claimed (issue 12).
      pauses.assign(partitions);
      syncPauses();
      for (const partition of partitions) {
        const lane = createPartitionLane(partition, generation, { sampleEvery: options.sampleEvery });
        lanes.set(partition, lane);
        claim(lane);
      }
    },

    records(fetched) {
      const lane = lanes.get(fetched.partition);
      if (!lane?.accept(fetched)) return;
      if (lane.queuedBytes >= options.queueMaxBytesPerPartition && !pauses.isPausedBy(lane.partition, 'queue-full')) {
        pauses.set(lane.partition, 'queue-full', true);
        syncPauses();
        metrics.queueFull.inc();
      }
    },

    lanes: () => [...lanes.values()],
    lane: (partition) => lanes.get(partition),

    fenced(lane, context) {
      metrics.fenced.inc({ partition: String(lane.partition) });
      // A chunk of an earlier assignment, let go of at a rebalance, is fenced by this member's own new claim:
      // the partition's current lane works on.
      if (!isCurrent(lane) || lane.state !== 'running')
        return log.info({ partition: lane.partition, ...context }, 'a chunk of an earlier assignment was fenced');
      lane.fence();
      pauses.set(lane.partition, 'fenced', true);
      syncPauses();
      log.warn({ partition: lane.partition, claimed: lane.claim, ...context }, FENCED_MESSAGE);
      options.onFenced(lane.partition);
    },

    reposition(lane, nextOffset) {
      log.warn(
        { partition: lane.partition, from: lane.claim?.nextOffset, to: nextOffset },
        'the stored offset moved (an operator reset?); seeking to it',
      );
      lane.reposition(nextOffset);
      driver.seek(lane.partition, nextOffset);
      pauses.set(lane.partition, 'queue-full', false);
      syncPauses();
    },

    async stop(timeoutMs) {
      // A claim already sent finishes first; none starts after this (its assignment is superseded).
      await ownership.settled();
      for (const lane of lanes.values()) lane.stop();
      const drained = Promise.all(workers).then(() => true);
      return Promise.race([drained, sleep(timeoutMs, false)]);
    },
  };
  return pipeline;
}
