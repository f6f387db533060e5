import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { createRecentEventWindow, type RecentEventWindow } from '@spr/idempotency';
import { isTransientPgError, pgErrorKind, violatedConstraint } from '@spr/ledger-db';
import { createMetricsRegistry, type HealthCheck } from '@spr/observability';
import type { Admin, Batch, Consumer, EachBatchPayload } from 'kafkajs';
import { createBackpressureController, DEFAULT_BACKPRESSURE } from './backpressure.ts';
import { processChunk, type ChunkProcessorContext, type ChunkResult, type PreparedMessage } from './chunk-processor.ts';
import { NO_FAULTS } from './fault-points.ts';
import { messageBytes, toRawMessage } from './message.ts';
import { claimPartition, readPartitionOffsets, type PartitionClaim, type PartitionRef } from './offset-store.ts';
import { createPartitionPauses, type PausableClient } from './partition-pauses.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, prepareMessages } from './prepare-messages.ts';
import { createProgressWatchdog, type StalledPartition } from './progress-watchdog.ts';
import { backoffDelay, DEFAULT_BACKOFF, pause } from './retry.ts';
import { RUNTIME_DEFAULTS, type ConsumerRuntimeOptions } from './runtime-options.ts';
import { RuntimeError } from './runtime-error.ts';
import { createRuntimeMetrics } from './runtime-metrics.ts';
import type { RawMessage } from './types.ts';

/** What the runtime tells listeners (tests, the app) as it works. */
export interface RuntimeEvents {
  assigned: [{ partitions: number[] }];
  committed: [{ partition: number; nextOffset: bigint; applied: number; duplicates: number; parked: number; deadLettered: number }];
  fenced: [{ partition: number }];
  /** The progress watchdog's verdict changed: these partitions have work and make no progress (empty: none). */
  stalled: [{ partitions: StalledPartition[] }];
  paused: [{ reason: string }];
  resumed: [{ reason: string }];
  crashed: [{ error: Error }];
}

export interface ConsumerRuntime {
  /** Joins the group and starts consuming; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Takes no new work, lets the chunk in flight commit, leaves the group. Idempotent. */
  stop(): Promise<void>;
  health(): HealthCheck;
  readiness(): HealthCheck;
  readonly events: EventEmitter<RuntimeEvents>;
}

/** One assigned partition's state on this member. */
interface PartitionState {
  readonly ref: PartitionRef;
  /** Resolves once this member has claimed the partition in PostgreSQL (and seeked to the stored offset). */
  readonly claimed: Promise<PartitionClaim>;
  claim?: PartitionClaim;
  revoked: boolean;
  fenced: boolean;
  /** A chunk transaction of this partition is running (its outcome will update `claim`). */
  busy: boolean;
}

const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);
const isRebalance = (error: unknown) => REBALANCE_ERRORS.has((error as { type?: string })?.type ?? '');

class FatalError extends Error {}

/**
 * The exactly-once consumer runtime (DESIGN.md §2–§5): kafkajs `eachBatch` with auto-commit off; per partition,
 * chunk transactions that hold the effects, dedupe, entity progress, dead letters, parked events and the fenced
 * offset update; claim-and-seek on assignment; backpressure by pause/resume; an advisory Kafka commit after each
 * database commit.
 */
export function createConsumerRuntime<E, S = unknown, F = unknown>(options: ConsumerRuntimeOptions<E, S, F>): ConsumerRuntime {
  const { kafka, pool, groupId, topic, logger } = options;
  const log = logger.child({ component: 'consumer-runtime', groupId, topic });
  const owner = options.owner ?? `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
  const chunkMaxEvents = options.chunk?.maxEvents ?? RUNTIME_DEFAULTS.chunkMaxEvents;
  const chunkMaxBytes = options.chunk?.maxBytes ?? RUNTIME_DEFAULTS.chunkMaxBytes;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? RUNTIME_DEFAULTS.sessionTimeoutMs;
  // Several heartbeats fit in a session, whatever the session timeout.
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.min(RUNTIME_DEFAULTS.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3));
  const revokeDrainTimeoutMs = options.revokeDrainTimeoutMs ?? RUNTIME_DEFAULTS.revokeDrainTimeoutMs;
  const backoff = { ...DEFAULT_BACKOFF, ...options.retry };
  const faults = options.faults ?? NO_FAULTS;
  const metrics = createRuntimeMetrics(options.metrics ?? createMetricsRegistry());
  const backpressure = createBackpressureController({ ...DEFAULT_BACKPRESSURE, ...options.backpressure });
  const windowOptions = options.recentWindow ?? RUNTIME_DEFAULTS.recentWindow;
  const recentWindow: RecentEventWindow | undefined = windowOptions ? createRecentEventWindow(windowOptions) : undefined;
  const monitorIntervalMs = options.monitorIntervalMs ?? RUNTIME_DEFAULTS.monitorIntervalMs;
  const stallAfterMs = options.stallAfterMs ?? RUNTIME_DEFAULTS.stallAfterMs;
  for (const [name, value] of Object.entries({ chunkMaxEvents, chunkMaxBytes, maxMessageBytes, heartbeatIntervalMs, monitorIntervalMs, stallAfterMs })) {
    if (!Number.isInteger(value) || value < 1) throw new RuntimeError('INVALID_CONFIG', `${name} must be a positive integer, got ${value}`);
  }

  const events = new EventEmitter<RuntimeEvents>();
  const partitions = new Map<number, PartitionState>();
  const stopping = new AbortController();
  let consumer: Consumer | undefined;
  let admin: Admin | undefined;
  let state: 'new' | 'running' | 'stopping' | 'stopped' | 'crashed' = 'new';
  let joined = false;
  let crash: Error | undefined;
  let evaluator: NodeJS.Timeout | undefined;
  let monitor: NodeJS.Timeout | undefined;
  const kafkaCommits = new Map<number, { inFlight: boolean; next?: bigint }>();
  /** Bumped on every assignment; a claim of an older assignment is skipped. */
  let assignmentEpoch = 0;
  /** The claims of this member, one after another. */
  let claims: Promise<void> = Promise.resolve();
  /** Why partitions are paused; the Kafka client's pause state is synced to it (partition-pauses.ts). */
  const pauses = createPartitionPauses();
  const watchdog = createProgressWatchdog({ stallAfterMs });
  let stalled: StalledPartition[] = [];
  /** Partitions this member exports per-partition gauges for (dropped once it no longer owns them). */
  const reportedPartitions = new Set<number>();

  const chunkContext = (ref: PartitionRef): ChunkProcessorContext<E, S, F> => ({
    pool,
    ref,
    handler: options.handler,
    decoder: options.decoder,
    maxLanes: options.maxLanes ?? RUNTIME_DEFAULTS.maxLanes,
    faults,
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

  const applyBackpressure = () => {
    if (!consumer || state !== 'running') return;
    const decision = backpressure.evaluate(Date.now());
    if (!decision.changed) return;
    pauses.setBackpressure(decision.paused);
    syncPauses();
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

  const syncPauses = () => {
    if (!consumer) return;
    const { paused, resumed } = pauses.sync(kafkajsPausable(consumer, topic));
    if (paused.length > 0 || resumed.length > 0) log.debug({ paused, resumed }, 'partition pauses synced with the Kafka client');
  };

  /**
   * Another member claimed the partition: its work here is stale, and fetching it again only wastes the fetch.
   * Only a fence of the current assignment pauses: a chunk of an earlier assignment, let go of at a rebalance, is
   * fenced by this member's own new claim, and the partition it would pause is being worked on again.
   */
  const markFenced = (p: PartitionState, context: Record<string, unknown>) => {
    if (p.fenced) return;
    p.fenced = true;
    if (!p.revoked && partitions.get(p.ref.partition) === p) {
      pauses.fence(p.ref.partition);
      syncPauses();
    }
    metrics.fenced.inc({ partition: String(p.ref.partition) });
    log.warn({ partition: p.ref.partition, claimed: p.claim, ...context }, 'fenced: another member claimed this partition; pausing it until the group reassigns it');
    events.emit('fenced', { partition: p.ref.partition });
  };

  /** Advisory: Kafka's committed offset follows the database for lag tools; failures only delay it. */
  const commitToKafka = (partition: number, nextOffset: bigint) => {
    const entry = kafkaCommits.get(partition) ?? { inFlight: false };
    kafkaCommits.set(partition, entry);
    entry.next = nextOffset;
    if (entry.inFlight) return;
    const loop = async () => {
      entry.inFlight = true;
      while (entry.next !== undefined && consumer && state === 'running') {
        const offset = entry.next;
        entry.next = undefined;
        await consumer.commitOffsets([{ topic, partition, offset: offset.toString() }]).catch((error: unknown) => {
          log.debug({ partition, err: error }, 'advisory Kafka offset commit failed (the database holds the truth)');
        });
      }
      entry.inFlight = false;
    };
    void loop();
  };

  /** Claims a newly assigned partition in PostgreSQL and seeks to its stored offset. */
  /**
   * Claims a newly assigned partition in PostgreSQL and seeks to its stored offset. Claims run one after another,
   * in assignment order, and a claim whose assignment was superseded (a newer rebalance, or stop) before it ran is
   * skipped: a late claim would bump the generation under the partition's newer owner and fence it.
   */
  const assign = (partition: number, epoch: number): PartitionState => {
    const ref: PartitionRef = { groupId, topic, partition };
    const superseded = () => epoch !== assignmentEpoch || stopping.signal.aborted;
    const claimed = claims.then(async () => {
      if (superseded()) throw new RuntimeError('STOPPED', `the assignment of partition ${partition} was superseded before it was claimed`);
      const offsets = await admin!.fetchTopicOffsets(topic);
      const p = offsets.find((o) => o.partition === partition);
      const start = BigInt((options.startFrom ?? RUNTIME_DEFAULTS.startFrom) === 'latest' ? (p?.high ?? '0') : (p?.low ?? '0'));
      for (let attempt = 0; ; attempt++) {
        if (superseded()) throw new RuntimeError('STOPPED', `the assignment of partition ${partition} was superseded before it was claimed`);
        try {
          return await claimPartition(pool, ref, owner, start);
        } catch (error) {
          if (!isTransientPgError(error)) throw error;
          metrics.retries.inc({ kind: 'claim' });
          await pause(backoffDelay(attempt, backoff), stopping.signal);
        }
      }
    });
    claims = claimed.then(
      () => undefined,
      () => undefined,
    );
    const partitionState: PartitionState = { ref, claimed, revoked: false, fenced: false, busy: false };
    claimed.then(
      (claim) => {
        partitionState.claim = claim;
        if (partitionState.revoked || state !== 'running') return;
        log.info({ partition, nextOffset: claim.nextOffset, generation: claim.generation }, 'claimed partition; seeking to the stored offset');
        try {
          consumer?.seek({ topic, partition, offset: claim.nextOffset.toString() });
        } catch (error) {
          log.warn({ partition, err: error }, 'seeking to the stored offset failed; the next batch is checked against it anyway');
        }
      },
      (error: unknown) => {
        if (error instanceof RuntimeError && error.code === 'STOPPED') return log.debug({ partition }, error.message);
        log.error({ partition, err: error }, 'claiming the partition failed');
      },
    );
    return partitionState;
  };

  const onGroupJoin = (assignment: Record<string, number[]>) => {
    if (stopping.signal.aborted) return;
    const epoch = ++assignmentEpoch;
    const now = new Set(assignment[topic] ?? []);
    for (const [partition, p] of partitions) {
      // Every rebalance re-claims: work of this member from before it is fenced by the new generation.
      p.revoked = true;
      partitions.delete(partition);
    }
    for (const partition of now) partitions.set(partition, assign(partition, epoch));
    joined = true;
    metrics.assigned.set(now.size);
    // Fences belong to the old assignment. The client keeps its pauses across rebalances, so it is synced: a
    // partition this member gets back is fetched again, and a backpressure pause covers the new partitions too.
    pauses.assign(now);
    syncPauses();
    forgetUnownedPartitions();
    log.info({ partitions: [...now].sort((a, b) => a - b) }, 'assigned');
    events.emit('assigned', { partitions: [...now] });
  };

  /** Commits `prepared` (contiguous offsets) as one chunk, or, if it holds a poison event, isolates it by halving. */
  const commitRange = async (
    p: PartitionState,
    prepared: PreparedMessage<E>[],
    resolveOffset: (offset: string) => void,
    interrupted: () => boolean,
  ): Promise<'ok' | 'stop'> => {
    for (let attempt = 0; ; attempt++) {
      if (interrupted()) return 'stop';
      let result: ChunkResult;
      p.busy = true;
      try {
        result = await processChunk(chunkContext(p.ref), p.claim!, prepared);
      } catch (error) {
        p.busy = false;
        if ((error instanceof RuntimeError && error.retriable) || isTransientPgError(error) || isDedupeRace(error) || (error as { retriable?: boolean }).retriable === true) {
          metrics.retries.inc({ kind: pgErrorKind(error) });
          log.warn({ partition: p.ref.partition, attempt, err: error }, 'chunk failed transiently; retrying');
          await pause(backoffDelay(attempt, backoff), stopping.signal);
          continue;
        }
        if (!isDataError(error)) throw new FatalError(`partition ${p.ref.partition}: ${(error as Error).message}`, { cause: error });
        if (prepared.length === 1) {
          const only = prepared[0]!;
          if (!only.decoded.ok) throw new FatalError(`partition ${p.ref.partition}: cannot even dead-letter offset ${only.message.offset}: ${(error as Error).message}`, { cause: error });
          // The one event this chunk holds cannot be applied: dead-letter it (same transaction path, offset advances).
          log.error({ partition: p.ref.partition, offset: only.message.offset, err: error }, 'event fails to apply; dead-lettering it');
          const poison: PreparedMessage<E> = { message: only.message, decoded: { ok: false, retriable: false, reason: 'APPLY_FAILED', error: (error as Error).message } };
          return commitRange(p, [poison], resolveOffset, interrupted);
        }
        // Halve until the event that fails is alone; the others commit normally.
        const half = Math.ceil(prepared.length / 2);
        if ((await commitRange(p, prepared.slice(0, half), resolveOffset, interrupted)) === 'stop') return 'stop';
        return commitRange(p, prepared.slice(half), resolveOffset, interrupted);
      }
      p.busy = false;
      switch (result.kind) {
        case 'committed': {
          p.claim = { ...p.claim!, nextOffset: result.nextOffset };
          resolveOffset((result.nextOffset - 1n).toString());
          const label = String(p.ref.partition);
          const c = result.counts;
          if (c.applied) metrics.events.inc({ partition: label, outcome: 'applied' }, c.applied);
          if (c.duplicates) metrics.events.inc({ partition: label, outcome: 'duplicate' }, c.duplicates);
          if (c.parked) metrics.events.inc({ partition: label, outcome: 'parked' }, c.parked);
          if (c.deadLettered) metrics.events.inc({ partition: label, outcome: 'dead_lettered' }, c.deadLettered);
          for (const reason of result.deadLetterReasons) metrics.deadLetters.inc({ reason });
          metrics.chunkEvents.observe(prepared.length);
          for (const r of result.recorded) recentWindow?.record(r.eventId, r.payloadHash);
          commitToKafka(p.ref.partition, result.nextOffset);
          events.emit('committed', { partition: p.ref.partition, nextOffset: result.nextOffset, ...c });
          return 'ok';
        }
        case 'fenced':
          markFenced(p, { stored: result.stored, by: 'chunk transaction' });
          return 'stop';
        case 'reposition':
          log.warn({ partition: p.ref.partition, from: p.claim!.nextOffset, to: result.nextOffset }, 'the stored offset moved (an operator reset?); seeking to it');
          p.claim = { ...p.claim!, nextOffset: result.nextOffset };
          consumer?.seek({ topic, partition: p.ref.partition, offset: result.nextOffset.toString() });
          return 'stop';
      }
    }
  };

  const eachBatch = async ({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload) => {
    let p = partitions.get(batch.partition);
    if (!p) {
      // Assigned before this member saw the group join: claim now, and read from the stored offset next time.
      partitions.set(batch.partition, assign(batch.partition, assignmentEpoch));
      return;
    }
    if (p.revoked) return;
    let claim: PartitionClaim;
    try {
      claim = await p.claimed;
    } catch {
      p.revoked = true;
      partitions.set(batch.partition, (p = assign(batch.partition, assignmentEpoch)));
      return;
    }
    if (p.fenced) {
      // Fetched before the pause took effect: dropped, the partition's new owner applies it.
      syncPauses();
      return;
    }
    if (p.revoked || isStale()) return;
    const started = performance.now();

    let rebalance: unknown;
    let rebalanceDetected!: () => void;
    const rebalancing = new Promise<void>((resolve) => (rebalanceDetected = resolve));
    // Heartbeats continue while a long chunk commits; a rebalance they report ends the batch after that chunk.
    const beat = () =>
      heartbeat().catch((error: unknown) => {
        if (!isRebalance(error)) return log.debug({ err: error }, 'heartbeat failed');
        rebalance ??= error;
        rebalanceDetected();
      });
    const heartbeats = setInterval(beat, heartbeatIntervalMs);
    const interrupted = () => !isRunning() || isStale() || p.revoked || p.fenced || stopping.signal.aborted || rebalance !== undefined;

    const raw = selectFromStoredOffset(batch, p.claim ?? claim, (gapFrom, gapTo) =>
      log.warn({ partition: batch.partition, gapFrom, gapTo }, 'offsets without records (control records or compaction) skipped'),
    );
    const bytes = raw.reduce((sum, m) => sum + messageBytes(m), 0);
    backpressure.addInFlight(raw.length, bytes);
    metrics.inFlight.set({ partition: String(batch.partition) }, raw.length);
    reportedPartitions.add(batch.partition);
    try {
      if (raw.length === 0) {
        // Everything fetched is below the stored offset: committed already, move kafkajs's position past it.
        if (batch.messages.length > 0) resolveOffset(batch.lastOffset());
        return;
      }
      if (faults.shouldFail('after-fetch')) faults.trip('after-fetch');
      let from = 0;
      while (from < raw.length && !interrupted()) {
        const chunk = takeChunk(raw, from, chunkMaxEvents, chunkMaxBytes);
        const prepared = await prepareWithRetry(chunk, interrupted);
        if (!prepared) break;
        // A rebalance may take the partition while a chunk commits: wait for it up to the drain deadline only.
        const outcome = await raceRebalance(commitRange(p, prepared, resolveOffset, interrupted), rebalancing, revokeDrainTimeoutMs);
        if (outcome !== 'ok') break;
        from += chunk.length;
        applyBackpressure();
      }
    } catch (error) {
      if (error instanceof FatalError) {
        fail(error);
        return;
      }
      throw error;
    } finally {
      clearInterval(heartbeats);
      backpressure.addInFlight(-raw.length, -bytes);
      metrics.inFlight.set({ partition: String(batch.partition) }, 0);
      metrics.batchSeconds.observe((performance.now() - started) / 1000);
    }
    // Let kafkajs rejoin the group now rather than after its next heartbeat.
    if (rebalance !== undefined) throw rebalance;
  };

  const prepareWithRetry = async (chunk: RawMessage[], interrupted: () => boolean): Promise<PreparedMessage<E>[] | undefined> => {
    for (let attempt = 0; ; attempt++) {
      if (interrupted()) return undefined;
      try {
        return await prepareMessages(options.decoder, chunk, maxMessageBytes);
      } catch (error) {
        if (!(error instanceof RuntimeError && error.retriable)) throw error;
        metrics.retries.inc({ kind: 'decode' });
        log.warn({ attempt, err: error }, 'decoding failed transiently (schema registry?); retrying');
        await pause(backoffDelay(attempt, backoff), stopping.signal);
      }
    }
  };

  /**
   * Every few seconds, for the partitions this member owns, without waiting for traffic: reads the stored
   * offsets and Kafka's log end. It notices an operator's replay reset (seek there) and another member's claim
   * (fenced) on idle partitions (a chunk in flight learns the same from its own outcome), exports the lag, and
   * lets the progress watchdog judge whether each partition with work is moving.
   */
  const monitorPartitions = async () => {
    const owned = [...partitions.values()].filter((p) => !p.revoked);
    if (state !== 'running' || !admin) return;
    // Repairs a pause the runtime did not ask for (none is known to happen; a stray one would wedge a partition).
    syncPauses();
    const [stored, logOffsets] = await Promise.all([
      readPartitionOffsets(pool, groupId, topic, owned.map((p) => p.ref.partition)),
      owned.length > 0 ? admin.fetchTopicOffsets(topic) : Promise.resolve([]),
    ]);
    if (state !== 'running') return;
    for (const p of owned) {
      const row = stored.get(p.ref.partition);
      const claim = p.claim;
      if (!row || !claim || p.busy || p.fenced || p.revoked || partitions.get(p.ref.partition) !== p) continue;
      if (row.generation !== claim.generation) {
        markFenced(p, { storedGeneration: row.generation, by: 'offset monitor' });
      } else if (row.nextOffset !== claim.nextOffset) {
        log.warn({ partition: p.ref.partition, from: claim.nextOffset, to: row.nextOffset }, 'the stored offset moved (an operator reset?); seeking to it');
        p.claim = { ...claim, nextOffset: row.nextOffset };
        consumer?.seek({ topic, partition: p.ref.partition, offset: row.nextOffset.toString() });
      }
    }

    forgetUnownedPartitions();
    const logEnds = new Map(logOffsets.map((o) => [o.partition, BigInt(o.high)]));
    const samples = [];
    for (const p of owned) {
      const partition = p.ref.partition;
      const storedOffset = stored.get(partition)?.nextOffset;
      const logEnd = logEnds.get(partition);
      if (storedOffset === undefined || logEnd === undefined || partitions.get(partition) !== p) continue;
      metrics.lag.set({ partition: String(partition) }, Number(logEnd - storedOffset));
      reportedPartitions.add(partition);
      samples.push({ partition, logEnd, storedOffset, pausedByBackpressure: pauses.isPausedBy(partition, 'backpressure') });
    }
    reportStalls(watchdog.observe(samples, Date.now()));
  };

  const reportStalls = (now: StalledPartition[]) => {
    const before = new Set(stalled.map((s) => s.partition));
    const after = new Set(now.map((s) => s.partition));
    const clientPaused = new Set(consumer ? kafkajsPausable(consumer, topic).paused() : []);
    for (const s of now) {
      metrics.stalled.set({ partition: String(s.partition) }, 1);
      if (before.has(s.partition)) continue;
      const p = partitions.get(s.partition);
      log.error(
        { ...s, claimed: p?.claim !== undefined, fenced: p?.fenced, busy: p?.busy, pausedBy: pauses.reasons(s.partition), pausedInClient: clientPaused.has(s.partition) },
        `partition ${s.partition} has records beyond its stored offset and made no progress for ${Math.round(s.stalledForMs / 1000)} s; reporting not ready`,
      );
    }
    for (const partition of before) {
      if (after.has(partition) || !partitions.has(partition)) continue;
      metrics.stalled.set({ partition: String(partition) }, 0);
      log.info({ partition }, 'partition makes progress again');
    }
    const changed = before.size !== after.size || [...after].some((p) => !before.has(p));
    stalled = now;
    if (changed) events.emit('stalled', { partitions: now });
  };

  /** Drops the per-partition gauges of partitions this member no longer owns: they describe another member's work. */
  const forgetUnownedPartitions = () => {
    for (const partition of reportedPartitions) {
      if (partitions.has(partition)) continue;
      const label = { partition: String(partition) };
      metrics.lag.remove(label);
      metrics.stalled.remove(label);
      metrics.inFlight.remove(label);
      reportedPartitions.delete(partition);
    }
    stalled = stalled.filter((s) => partitions.has(s.partition));
  };

  const fail = (error: Error) => {
    if (state === 'crashed' || state === 'stopped') return;
    crash = error;
    state = 'crashed';
    log.error({ err: error }, 'consumer runtime crashed: a failure that retrying cannot fix');
    events.emit('crashed', { error });
    void consumer?.stop().catch(() => undefined);
  };

  return {
    events,

    async start() {
      if (state !== 'new') return;
      admin = kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
        throw new RuntimeError('INVALID_CONFIG', `topic '${topic}' does not exist (or is not readable); create it with its partition count first`, { cause: error });
      });
      log.info({ partitions: metadata.topics[0]?.partitions.length }, 'topic found');
      consumer = kafka.consumer({
        groupId,
        sessionTimeout: sessionTimeoutMs,
        heartbeatInterval: heartbeatIntervalMs,
        maxBytes: options.fetch?.maxBytes ?? RUNTIME_DEFAULTS.fetchMaxBytes,
        maxBytesPerPartition: options.fetch?.maxBytesPerPartition ?? RUNTIME_DEFAULTS.fetchMaxBytesPerPartition,
        maxWaitTimeInMs: options.fetch?.maxWaitTimeMs ?? RUNTIME_DEFAULTS.fetchMaxWaitTimeMs,
        minBytes: options.fetch?.minBytes ?? RUNTIME_DEFAULTS.fetchMinBytes,
        allowAutoTopicCreation: false,
        readUncommitted: false,
      });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => onGroupJoin(payload.memberAssignment));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) fail(payload.error);
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: (options.startFrom ?? RUNTIME_DEFAULTS.startFrom) === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? RUNTIME_DEFAULTS.partitionsConsumedConcurrently,
        eachBatch,
      });
      evaluator = setInterval(applyBackpressure, 200);
      monitor = setInterval(() => {
        monitorPartitions().catch((error: unknown) => log.debug({ err: error }, 'reading stored offsets or the log end failed; trying again later'));
      }, monitorIntervalMs);
      state = 'running';
      log.info({ owner }, 'consumer runtime started');
    },

    async stop() {
      if (state === 'new' || state === 'stopped') {
        state = 'stopped';
        return;
      }
      const wasCrashed = state === 'crashed';
      state = 'stopping';
      stopping.abort();
      clearInterval(evaluator);
      // A claim already sent finishes before the member leaves the group; none starts after this.
      await claims;
      clearInterval(monitor);
      await consumer?.stop().catch((error: unknown) => log.warn({ err: error }, 'stopping the consumer'));
      await consumer?.disconnect().catch((error: unknown) => log.warn({ err: error }, 'disconnecting the consumer'));
      await admin?.disconnect().catch(() => undefined);
      state = wasCrashed ? 'crashed' : 'stopped';
      log.info('consumer runtime stopped');
    },

    health() {
      return crash ? { ok: false, details: { error: crash.message } } : { ok: true };
    },

    readiness() {
      const owned = [...partitions.keys()].sort((a, b) => a - b);
      const clientPaused = new Set(consumer ? kafkajsPausable(consumer, topic).paused() : []);
      // Every paused partition with why: the runtime's reasons, or 'client' for a pause the runtime did not ask for.
      const paused = owned
        .map((partition) => {
          const reasons: string[] = pauses.reasons(partition);
          return { partition, by: reasons.length > 0 ? reasons : clientPaused.has(partition) ? ['client'] : [] };
        })
        .filter((p) => p.by.length > 0);
      const ready = state === 'running' && joined && stalled.length === 0;
      return {
        ok: ready,
        details: {
          state,
          partitions: owned,
          backpressure: backpressure.paused,
          paused,
          stalled: stalled.map((s) => ({ partition: s.partition, storedOffset: s.storedOffset.toString(), logEnd: s.logEnd.toString(), stalledForMs: s.stalledForMs })),
        },
      };
    },
  };
}

/**
 * The batch's messages from the stored next offset on. Messages below it are committed already (a fetch can
 * start at Kafka's advisory offset, which may lag). Offsets the log holds no record for (control records,
 * compaction) are reported and skipped: they cannot be applied, and the fenced update moves past them.
 */
function selectFromStoredOffset(batch: Batch, claim: PartitionClaim, onGap: (from: bigint, to: bigint) => void): RawMessage[] {
  const out: RawMessage[] = [];
  let expected = claim.nextOffset;
  for (const message of batch.messages) {
    const raw = toRawMessage(batch.topic, batch.partition, message);
    if (raw.offset < expected) continue;
    if (raw.offset > expected) onGap(expected, raw.offset - 1n);
    out.push(raw);
    expected = raw.offset + 1n;
  }
  return out;
}

function takeChunk(messages: RawMessage[], from: number, maxEvents: number, maxBytes: number): RawMessage[] {
  let bytes = 0;
  let to = from;
  while (to < messages.length && to - from < maxEvents) {
    bytes += messageBytes(messages[to]!);
    if (bytes > maxBytes && to > from) break;
    to++;
  }
  return messages.slice(from, to);
}

/**
 * A chunk that lost a race on the dedupe records (another writer recorded the same event id or sequence number
 * between this chunk's read and its write) is retried: the next attempt reads the other writer's result.
 */
const DEDUPE_CONSTRAINTS = new Set(['processed_events_pkey', 'processed_events_applied_seq']);
function isDedupeRace(error: unknown): boolean {
  return pgErrorKind(error) === 'unique_violation' && DEDUPE_CONSTRAINTS.has(violatedConstraint(error) ?? '');
}

/** Errors about the data of an event (bad values, a violated constraint, a handler that threw on it). */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('22') || code.startsWith('23');
  return !(error instanceof RuntimeError);
}

/** `work`, or 'stop' once `deadlineMs` have passed after `rebalancing` resolved. */
async function raceRebalance<T>(work: Promise<T>, rebalancing: Promise<void>, deadlineMs: number): Promise<T | 'stop'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = rebalancing.then(() => new Promise<'stop'>((resolve) => (timer = setTimeout(() => resolve('stop'), deadlineMs))));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    // A chunk let go of at the deadline still finishes in the background; fencing decides whether it counts.
    work.catch(() => undefined);
  }
}

/** kafkajs's consumer as the runtime's pausable client, for one topic. */
function kafkajsPausable(consumer: Consumer, topic: string): PausableClient {
  return {
    paused: () => consumer.paused().flatMap((tp) => (tp.topic === topic ? tp.partitions : [])),
    pause: (partitions) => consumer.pause([{ topic, partitions }]),
    resume: (partitions) => consumer.resume([{ topic, partitions }]),
  };
}
