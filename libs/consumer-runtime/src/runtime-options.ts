import type { Logger } from '@spr/observability';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { BackpressureOptions } from './backpressure.ts';
import type { FaultInjector } from './fault-points.ts';
import type { BackoffOptions } from './retry.ts';
import type { EventDecoder, EventHandler } from './types.ts';

export interface ConsumerRuntimeOptions<E, S = unknown, F = unknown> {
  readonly kafka: Kafka;
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
  /** Events and bytes per chunk transaction. */
  readonly chunk?: { readonly maxEvents?: number; readonly maxBytes?: number };
  /** Concurrent entity lanes within a chunk, for an `apply` handler. */
  readonly maxLanes?: number;
  /** Partitions processed at the same time (each uses one pool connection while it commits). */
  readonly partitionsConsumedConcurrently?: number;
  /** A value larger than this is dead-lettered as OVERSIZE without decoding. */
  readonly maxMessageBytes?: number;
  /** Fetch sizes: with the in-flight budget, they bound the memory the consumer holds. */
  readonly fetch?: { readonly maxBytes?: number; readonly maxBytesPerPartition?: number; readonly maxWaitTimeMs?: number; readonly minBytes?: number };
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly backpressure?: Partial<BackpressureOptions>;
  /** Backoff for transient failures (retried forever, never dead-lettered). */
  readonly retry?: Partial<BackoffOptions>;
  /** After a rebalance starts, how long the chunk in flight may take before the runtime lets go of it. */
  readonly revokeDrainTimeoutMs?: number;
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
}

export const RUNTIME_DEFAULTS = {
  startFrom: 'earliest',
  chunkMaxEvents: 1_000,
  chunkMaxBytes: 4 * 1024 * 1024,
  maxLanes: 16,
  partitionsConsumedConcurrently: 6,
  fetchMaxBytes: 8 * 1024 * 1024,
  fetchMaxBytesPerPartition: 1024 * 1024,
  fetchMaxWaitTimeMs: 100,
  fetchMinBytes: 1,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  revokeDrainTimeoutMs: 10_000,
  recentWindow: { maxEntries: 100_000, ttlMs: 10 * 60_000 },
  monitorIntervalMs: 2_000,
  // Twice the default session timeout: a takeover (session expiry, rebalance, claim) is not reported as a stall.
  stallAfterMs: 60_000,
} as const;
