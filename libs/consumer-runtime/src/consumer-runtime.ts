import { EventEmitter } from 'node:events';
import { createRecentEventWindow } from '@spr/idempotency';
import { createMetricsRegistry, type HealthCheck } from '@spr/observability';
import { createAdvisoryCommits } from './advisory-commits.ts';
import { createBackpressureController, DEFAULT_BACKPRESSURE } from './backpressure.ts';
import { createChunkCommits } from './chunk-commits.ts';
import { commitChunk } from './chunk-committer.ts';
import { NO_FAULTS } from './fault-points.ts';
import type { DriverListener, KafkaDriver } from './kafka-driver.ts';
import { createKafkajsDriver } from './kafkajs-driver.ts';
import { createPartitionMonitor } from './partition-monitor.ts';
import { createPartitionOwnership } from './partition-ownership.ts';
import { createPartitionPauses } from './partition-pauses.ts';
import { createPartitionPipeline } from './partition-pipeline.ts';
import { createRuntimeMetrics } from './runtime-metrics.ts';
import { resolveRuntimeSettings, type ConsumerRuntimeOptions, type RuntimeSettings } from './runtime-options.ts';

/** What the runtime tells listeners (tests, the app) as it works. */
export interface RuntimeEvents {
  assigned: [{ partitions: number[] }];
  committed: [
    {
      partition: number;
      nextOffset: bigint;
      applied: number;
      duplicates: number;
      parked: number;
      deadLettered: number;
    },
  ];
  fenced: [{ partition: number }];
  /** Backpressure: every partition stops fetching because PostgreSQL is slow, and starts again. */
  paused: [{ reason: string }];
  resumed: [{ reason: string }];
  crashed: [{ error: Error }];
}

export interface ConsumerRuntime {
  /** Joins the group and starts consuming; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Takes no new work, lets the chunks in flight commit, leaves the group. Idempotent. */
  stop(): Promise<void>;
  health(): HealthCheck;
  readiness(): HealthCheck;
  readonly events: EventEmitter<RuntimeEvents>;
}

/**
 * The exactly-once consumer runtime (docs/design.md §2–§5), a pipeline in which fetching never waits for the
 * database (decision 0008): the Kafka driver hands every fetched batch over at once; each partition queues its
 * records (a byte budget pauses fetching for that partition only) and commits one chunk transaction after
 * another, each taking whatever is queued up to the chunk limit, so chunks are small under light load and
 * large under a backlog; no partition waits for another's chunk. A chunk transaction holds the effects, the
 * dedupe records, the entities' progress, dead letters, parked events and the fenced offset update. On
 * assignment each partition is claimed in PostgreSQL and read from its stored offset; an advisory Kafka commit
 * follows each database commit.
 *
 * This file wires the rooms and owns the lifecycle: the driver (kafka-driver.ts), claims
 * (partition-ownership.ts), the lanes (partition-pipeline.ts), the chunk commit policy (chunk-committer.ts) and
 * transaction (chunk-processor.ts), the offset monitor and progress watchdog (partition-monitor.ts), pauses
 * (partition-pauses.ts) and backpressure (backpressure.ts).
 */
export function createConsumerRuntime<E, S = unknown, F = unknown>(
  options: ConsumerRuntimeOptions<E, S, F>,
): ConsumerRuntime {
  const { pool, groupId, topic } = options;
  const log = options.logger.child({ component: 'consumer-runtime', groupId, topic });
  const settings = resolveRuntimeSettings(options);
  const metrics = createRuntimeMetrics(options.metrics ?? createMetricsRegistry());
  const backpressure = createBackpressureController({ ...DEFAULT_BACKPRESSURE, ...options.backpressure });
  const recentWindow = settings.recentWindow ? createRecentEventWindow(settings.recentWindow) : undefined;
  const driver = options.driver ?? kafkajsDriverFor(options, settings, log);
  const events = new EventEmitter<RuntimeEvents>();
  const stopping = new AbortController();
  const pauses = createPartitionPauses();
  let state: 'new' | 'running' | 'stopping' | 'stopped' | 'crashed' = 'new';
  let joined = false;
  let crash: Error | undefined;
  let timers: NodeJS.Timeout[] = [];

  const fail = (error: Error) => {
    if (state === 'crashed' || state === 'stopped') return;
    crash = error;
    state = 'crashed';
    log.error({ err: error }, 'consumer runtime crashed: a failure that retrying cannot fix');
    events.emit('crashed', { error });
    void pipeline.stop(0).then(() => driver.stop());
  };

  const ownership = createPartitionOwnership({
    pool,
    driver,
    groupId,
    topic,
    owner: settings.owner,
    startFrom: settings.startFrom,
    backoff: settings.backoff,
    signal: stopping.signal,
    onRetry: (error) => {
      metrics.retries.inc({ kind: 'claim' });
      log.warn({ err: error }, 'claiming a partition failed transiently; retrying');
    },
  });
  const advisory = createAdvisoryCommits(
    (partition, nextOffset) => driver.commit(partition, nextOffset),
    (partition, error) =>
      log.debug({ partition, err: error }, 'advisory Kafka offset commit failed (the database holds the truth)'),
  );
  const committer = createChunkCommits({
    options,
    maxLanes: settings.maxLanes,
    backoff: settings.backoff,
    metrics,
    backpressure,
    recentWindow,
    advisory,
    onCommitted: (committed) => events.emit('committed', committed),
    log,
  });
  const pipeline = createPartitionPipeline({
    driver,
    ownership,
    pauses,
    decoder: options.decoder,
    faults: options.faults ?? NO_FAULTS,
    metrics,
    logger: log,
    chunk: { maxEvents: settings.chunkMaxEvents, maxBytes: settings.chunkMaxBytes },
    queueMaxBytesPerPartition: settings.queueMaxBytesPerPartition,
    maxMessageBytes: settings.maxMessageBytes,
    backoff: settings.backoff,
    sampleEvery: options.stageTrace?.sampleEvery,
    commit: (lane, prepared) => commitChunk(committer.policy(lane), prepared),
    onFenced: (partition) => events.emit('fenced', { partition }),
    onFatal: fail,
  });
  const monitor = createPartitionMonitor({
    pool,
    driver,
    groupId,
    topic,
    stallAfterMs: settings.stallAfterMs,
    metrics,
    logger: log,
    heldByBackpressure: (partition) => pauses.isPausedBy(partition, 'backpressure'),
    onFenced: (lane, storedGeneration) => pipeline.fenced(lane, { storedGeneration, by: 'offset monitor' }),
    onMoved: (lane, nextOffset) => pipeline.reposition(lane, nextOffset),
    describe: (partition) => {
      const lane = pipeline.lane(partition);
      return {
        lane: lane?.state,
        busy: lane?.busy,
        queuedEvents: lane?.queuedEvents,
        pausedBy: pauses.reasons(partition),
        pausedInClient: driver.paused().includes(partition),
      };
    },
  });

  const onAssigned: DriverListener['assigned'] = ({ generation, partitions }) => {
    if (stopping.signal.aborted || state === 'crashed') return;
    const owned = [...partitions].sort((a, b) => a - b);
    pipeline.assigned(generation, owned);
    monitor.forgetExcept(new Set(owned));
    joined = true;
    metrics.assigned.set(owned.length);
    log.info({ partitions: owned, generation }, 'assigned');
    events.emit('assigned', { partitions: owned });
  };

  /** Every partition stops fetching while PostgreSQL is slow, and fetches again once it has recovered (G4). */
  const applyBackpressure = () => {
    if (state !== 'running') return;
    const decision = backpressure.evaluate(Date.now());
    if (!decision.changed) return;
    pauses.setBackpressure(decision.paused);
    pauses.sync(driver);
    if (decision.paused) {
      metrics.pauses.inc();
      metrics.paused.set(1);
      log.warn({ reason: decision.reason, signals: backpressure.signals(Date.now()) }, 'pausing fetches: backpressure');
      events.emit('paused', { reason: decision.reason ?? '' });
    } else {
      metrics.paused.set(0);
      log.info({ reason: decision.reason }, 'resuming fetches');
      events.emit('resumed', { reason: decision.reason ?? '' });
    }
  };

  const monitorPartitions = () => {
    if (state !== 'running') return;
    // Also repairs a pause the runtime did not ask for (none is known to happen; a stray one would wedge a partition).
    pauses.sync(driver);
    monitor
      .tick(pipeline.lanes())
      .catch((error: unknown) =>
        log.debug({ err: error }, 'reading stored offsets or the log end failed; trying again later'),
      );
  };

  return {
    events,

    async start() {
      if (state !== 'new') return;
      state = 'running';
      try {
        await driver.start({ assigned: onAssigned, records: (fetched) => pipeline.records(fetched), crashed: fail });
      } catch (error) {
        state = 'crashed';
        crash = error as Error;
        await driver.stop();
        throw error;
      }
      timers = [setInterval(applyBackpressure, 200), setInterval(monitorPartitions, settings.monitorIntervalMs)];
      log.info({ owner: settings.owner }, 'consumer runtime started');
    },

    async stop() {
      if (state === 'new' || state === 'stopped') {
        state = 'stopped';
        return;
      }
      const wasCrashed = state === 'crashed';
      state = 'stopping';
      stopping.abort();
      for (const timer of timers) clearInterval(timer);
      // The chunks in flight commit (or are let go of at the deadline: fencing decides whether they count).
      if (!(await pipeline.stop(settings.stopDrainTimeoutMs))) {
        log.warn(
          { timeoutMs: settings.stopDrainTimeoutMs },
          'chunks still in flight at the drain deadline; leaving the group anyway',
        );
      }
      advisory.close();
      await driver.stop();
      state = wasCrashed ? 'crashed' : 'stopped';
      log.info('consumer runtime stopped');
    },

    health() {
      return crash ? { ok: false, details: { error: crash.message } } : { ok: true };
    },

    readiness() {
      const owned = pipeline.lanes().map((l) => l.partition);
      const clientPaused = new Set(driver.paused());
      // Every paused partition with why: the runtime's reasons, or 'client' for a pause the runtime did not ask for.
      const paused = owned
        .map((partition) => {
          const reasons: string[] = pauses.reasons(partition);
          return { partition, by: reasons.length > 0 ? reasons : clientPaused.has(partition) ? ['client'] : [] };
        })
        .filter((p) => p.by.length > 0);
      const stalled = monitor.stalled();
      return {
        ok: state === 'running' && joined && stalled.length === 0,
        details: {
          state,
          partitions: owned,
          backpressure: backpressure.paused,
          paused,
          stalled: stalled.map((s) => ({
            partition: s.partition,
            storedOffset: s.storedOffset.toString(),
            logEnd: s.logEnd.toString(),
            stalledForMs: s.stalledForMs,
          })),
        },
      };
    },
  };
}

function kafkajsDriverFor<E, S, F>(
  options: ConsumerRuntimeOptions<E, S, F>,
  settings: RuntimeSettings,
  log: ConsumerRuntimeOptions<E, S, F>['logger'],
): KafkaDriver {
  return createKafkajsDriver({
    kafka: options.kafka!,
    groupId: options.groupId,
    topic: options.topic,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    fetch: settings.fetch,
    logger: log,
  });
}
