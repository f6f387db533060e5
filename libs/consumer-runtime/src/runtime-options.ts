import { DEFAULT_WINDOW_MAX_ENTRIES, DEFAULT_WINDOW_TTL_MS } from '@spr/idempotency';
import type { Logger } from '@spr/observability';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { BackpressureOptions } from './backpressure.ts';
import type { FaultInjector } from './fault-points.ts';
import type { KafkaDriver } from './kafka-driver.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './prepare-messages.ts';
import { RuntimeError } from './runtime-error.ts';
import { hostname } from 'node:os';
import type { EventDecoder, EventHandler } from './types.ts';

/** One sampled event's way through the runtime (epoch milliseconds, sub-millisecond precision). */
export interface StageSample {
  readonly partition: number;
  readonly offset: bigint;
  /** Handed to the runtime by the Kafka client. */
  readonly fetchedAt: number;
  /** Its chunk transaction sent BEGIN. */
  readonly beganAt: number;
  /** That transaction's COMMIT returned. */
  readonly committedAt: number;
}

export interface ConsumerRuntimeOptions<E, S = unknown, F = unknown> {
  /** The Kafka client the runtime builds its kafkajs driver from; or pass `driver`. */
  readonly kafka?: Kafka;
  /** The runtime's way to Kafka (kafka-driver.ts); default: the kafkajs driver over `kafka`. */
  readonly driver?: KafkaDriver;
  /** The pool the runtime runs its transactions on; the caller creates and closes it. */
  readonly pool: pg.Pool;
  readonly groupId: string;
  readonly topic: string;
  readonly decoder: EventDecoder<E>;
  readonly handler: EventHandler<E, S, F>;
  readonly logger: Logger;
  readonly metrics?: Registry;
  /** Where a partition with no stored offset starts. Default: the log start (`earliest`). */
  readonly startFrom?: 'earliest' | 'latest';
  /** The most events and bytes one chunk transaction takes; it takes whatever is queued up to these. */
  readonly chunk?: { readonly maxEvents?: number; readonly maxBytes?: number };
  /** Fetched records a partition may queue (key and value bytes); fetching that partition pauses above it. */
  readonly queueMaxBytesPerPartition?: number;
  /** Concurrent entity lanes within a chunk, for an `apply` handler. */
  readonly maxLanes?: number;
  /** A value larger than this is dead-lettered as OVERSIZE without decoding. */
  readonly maxMessageBytes?: number;
  /** Fetch sizes of the kafkajs driver: with the queue budget, they bound the memory the consumer holds. */
  readonly fetch?: {
    readonly maxBytes?: number;
    readonly maxBytesPerPartition?: number;
    readonly maxWaitTimeMs?: number;
    readonly minBytes?: number;
  };
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** When every partition stops fetching because PostgreSQL is slow, and when it starts again. */
  readonly backpressure?: Partial<BackpressureOptions>;
  /** Backoff for transient failures (retried forever, never dead-lettered). */
  readonly retry?: Partial<BackoffOptions>;
  /** How long stop() lets the chunk transactions in flight finish before it leaves the group anyway. */
  readonly stopDrainTimeoutMs?: number;
  /** The in-memory fast path in front of durable dedupe; `false` disables it. */
  readonly recentWindow?: { readonly maxEntries: number; readonly ttlMs: number } | false;
  /**
   * How often the runtime reads its partitions' stored offsets and Kafka's log end: to notice an operator's reset
   * or another member's claim on idle partitions, to export the lag, and to feed the progress watchdog.
   */
  readonly monitorIntervalMs?: number;
  /**
   * A partition with records beyond its stored offset whose stored offset has not moved for this long (and that
   * backpressure does not hold) is reported stalled, and readiness turns false so that an orchestrator can act.
   */
  readonly stallAfterMs?: number;
  /** Identifies this member in consumer_offsets.owner. */
  readonly owner?: string;
  /** Only the chaos suite passes one (see fault-points.ts). */
  readonly faults?: FaultInjector;
  /** Stage times of every `sampleEvery`-th offset (the benchmark's breakdown); off by default. */
  readonly stageTrace?: { readonly sampleEvery: number; record(sample: StageSample): void };
}

export const RUNTIME_DEFAULTS = {
  startFrom: 'earliest',
  chunkMaxEvents: 1_000,
  chunkMaxBytes: 4 * 1024 * 1024,
  queueMaxBytesPerPartition: 1024 * 1024,
  maxLanes: 16,
  fetchMaxBytes: 4 * 1024 * 1024,
  fetchMaxBytesPerPartition: 512 * 1024,
  fetchMaxWaitTimeMs: 100,
  fetchMinBytes: 1,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  stopDrainTimeoutMs: 10_000,
  recentWindow: { maxEntries: DEFAULT_WINDOW_MAX_ENTRIES, ttlMs: DEFAULT_WINDOW_TTL_MS },
  monitorIntervalMs: 2_000,
  // Twice the default session timeout: a takeover (session expiry, rebalance, claim) is not reported as a stall.
  stallAfterMs: 60_000,
} as const;

export type RuntimeSettings = ReturnType<typeof resolveRuntimeSettings>;

/** The options with their defaults, checked up front: a bad value is an INVALID_CONFIG error that names it. */
export function resolveRuntimeSettings<E, S, F>(options: ConsumerRuntimeOptions<E, S, F>) {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? RUNTIME_DEFAULTS.sessionTimeoutMs;
  const settings = {
    owner: options.owner ?? `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`,
    startFrom: options.startFrom ?? RUNTIME_DEFAULTS.startFrom,
    chunkMaxEvents: options.chunk?.maxEvents ?? RUNTIME_DEFAULTS.chunkMaxEvents,
    chunkMaxBytes: options.chunk?.maxBytes ?? RUNTIME_DEFAULTS.chunkMaxBytes,
    queueMaxBytesPerPartition: options.queueMaxBytesPerPartition ?? RUNTIME_DEFAULTS.queueMaxBytesPerPartition,
    maxLanes: options.maxLanes ?? RUNTIME_DEFAULTS.maxLanes,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    sessionTimeoutMs,
    // Several heartbeats fit in a session, whatever the session timeout.
    heartbeatIntervalMs:
      options.heartbeatIntervalMs ?? Math.min(RUNTIME_DEFAULTS.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3)),
    stopDrainTimeoutMs: options.stopDrainTimeoutMs ?? RUNTIME_DEFAULTS.stopDrainTimeoutMs,
    monitorIntervalMs: options.monitorIntervalMs ?? RUNTIME_DEFAULTS.monitorIntervalMs,
    stallAfterMs: options.stallAfterMs ?? RUNTIME_DEFAULTS.stallAfterMs,
    backoff: { ...DEFAULT_BACKOFF, ...options.retry },
    recentWindow: options.recentWindow ?? RUNTIME_DEFAULTS.recentWindow,
    fetch: {
      maxBytes: options.fetch?.maxBytes ?? RUNTIME_DEFAULTS.fetchMaxBytes,
      maxBytesPerPartition: options.fetch?.maxBytesPerPartition ?? RUNTIME_DEFAULTS.fetchMaxBytesPerPartition,
      maxWaitTimeMs: options.fetch?.maxWaitTimeMs ?? RUNTIME_DEFAULTS.fetchMaxWaitTimeMs,
      minBytes: options.fetch?.minBytes ?? RUNTIME_DEFAULTS.fetchMinBytes,
    },
  };
  const positive = {
    chunkMaxEvents: settings.chunkMaxEvents,
    chunkMaxBytes: settings.chunkMaxBytes,
    queueMaxBytesPerPartition: settings.queueMaxBytesPerPartition,
    maxMessageBytes: settings.maxMessageBytes,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    monitorIntervalMs: settings.monitorIntervalMs,
    stallAfterMs: settings.stallAfterMs,
  };
  for (const [name, value] of Object.entries(positive)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RuntimeError('INVALID_CONFIG', `${name} must be a positive integer, got ${value}`);
  }
  if (!options.driver && !options.kafka)
    throw new RuntimeError('INVALID_CONFIG', 'pass either a Kafka client (kafka) or a driver');
  return settings;
}
