import type { RecentEventWindow } from '@spr/idempotency';
import { pgErrorKind } from '@spr/ledger-db';
import type { Logger } from '@spr/observability';
import type { AdvisoryCommits } from './advisory-commits.ts';
import type { BackpressureController } from './backpressure.ts';
import type { ChunkCommitPolicy } from './chunk-committer.ts';
import { processChunk, type ChunkProcessorContext, type ChunkResult, type PreparedMessage } from './chunk-processor.ts';
import { NO_FAULTS } from './fault-points.ts';
import type { ChunkCounts } from './offset-store.ts';
import type { PartitionLane } from './partition-lane.ts';
import type { BackoffOptions } from './retry.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import type { ConsumerRuntimeOptions } from './runtime-options.ts';

/**
 * The chunk transactions of every lane: the transaction's context (pool, handler, backpressure's measurements),
 * the commit policy bound to a lane, and what a commit updates (the lane's claim, metrics, the recent-event
 * window, the advisory Kafka commit, the stage trace, listeners).
 */
export function createChunkCommits<E, S, F>(deps: {
  readonly options: Pick<
    ConsumerRuntimeOptions<E, S, F>,
    'pool' | 'groupId' | 'topic' | 'handler' | 'decoder' | 'faults' | 'stageTrace'
  >;
  readonly maxLanes: number;
  readonly backoff: BackoffOptions;
  readonly metrics: RuntimeMetrics;
  readonly backpressure: BackpressureController;
  readonly recentWindow: RecentEventWindow | undefined;
  readonly advisory: AdvisoryCommits;
  /** Told of every committed chunk (the runtime's `committed` event). */
  onCommitted(event: { partition: number; nextOffset: bigint } & ChunkCounts): void;
  readonly log: Logger;
}) {
  const { options, metrics, backpressure, recentWindow, advisory, log } = deps;
  type Committed = Extract<ChunkResult, { kind: 'committed' }>;

  const context = (partition: number): ChunkProcessorContext<E, S, F> => ({
    pool: options.pool,
    ref: { groupId: options.groupId, topic: options.topic, partition },
    handler: options.handler,
    decoder: options.decoder,
    maxLanes: deps.maxLanes,
    faults: options.faults ?? NO_FAULTS,
    window: recentWindow,
    observe: {
      poolWait: (ms) => {
        backpressure.recordPoolWait(ms);
        metrics.poolWaitSeconds.observe(ms / 1000);
      },
      transactionStarted: (id) => backpressure.transactionStarted(id, Date.now()),
      transactionEnded: (id, ms) => {
        backpressure.transactionEnded(id);
        backpressure.recordTransaction(ms);
        metrics.chunkSeconds.observe(ms / 1000);
      },
    },
  });

  const traceStages = (lane: PartitionLane, result: Committed, prepared: readonly PreparedMessage<E>[]) => {
    for (const { message } of prepared) {
      const fetchedAt = lane.receivedAt(message.offset);
      if (fetchedAt !== undefined)
        options.stageTrace!.record({
          partition: lane.partition,
          offset: message.offset,
          fetchedAt,
          beganAt: result.beganAt,
          committedAt: result.committedAt,
        });
    }
  };

  const committed = (lane: PartitionLane, result: Committed, prepared: readonly PreparedMessage<E>[]) => {
    const { partition } = lane;
    if (options.stageTrace) traceStages(lane, result, prepared);
    lane.committed(result.nextOffset);
    const label = String(partition);
    const c = result.counts;
    if (c.applied) metrics.events.inc({ partition: label, outcome: 'applied' }, c.applied);
    if (c.duplicates) metrics.events.inc({ partition: label, outcome: 'duplicate' }, c.duplicates);
    if (c.parked) metrics.events.inc({ partition: label, outcome: 'parked' }, c.parked);
    if (c.deadLettered) metrics.events.inc({ partition: label, outcome: 'dead_lettered' }, c.deadLettered);
    for (const reason of result.deadLetterReasons) metrics.deadLetters.inc({ reason });
    metrics.chunkEvents.observe(prepared.length);
    for (const r of result.recorded) recentWindow?.record(r.eventId, r.payloadHash);
    advisory.note(partition, result.nextOffset);
    deps.onCommitted({ partition, nextOffset: result.nextOffset, ...c });
  };

  return {
    policy(lane: PartitionLane): ChunkCommitPolicy<E> {
      const ctx = context(lane.partition);
      return {
        async process(claimed, prepared) {
          lane.setBusy(true);
          try {
            return await processChunk(ctx, claimed, prepared);
          } finally {
            lane.setBusy(false);
          }
        },
        claim: () => lane.claim!,
        onCommitted: (result, prepared) => committed(lane, result, prepared),
        interrupted: () => lane.state !== 'running',
        backoff: deps.backoff,
        signal: lane.signal,
        onRetry(error, attempt) {
          metrics.retries.inc({ kind: pgErrorKind(error) });
          log.warn({ partition: lane.partition, attempt, err: error }, 'chunk failed transiently; retrying');
        },
        onApplyFailure: (error, offset) =>
          log.error({ partition: lane.partition, offset, err: error }, 'event fails to apply; dead-lettering it'),
      };
    },
  };
}
