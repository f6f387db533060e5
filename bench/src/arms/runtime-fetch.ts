import type { ConsumerConfig } from 'kafkajs';

/**
 * Batches in flight at once in the thin arms (A0, A1, F): one per partition of the backlog (6). Their own
 * constant, not the runtime's: how the runtime consumes is what it is measured against, not a setting they share.
 */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 6;

/**
 * The runtime's session and fetch settings (RUNTIME_DEFAULTS of @spr/consumer-runtime), read by the benchmark and
 * handed to the arm in its config: importing the runtime in the arm's process would load its dependencies
 * (drizzle among them, about 200 MB of RSS) into an arm that does not use them.
 */
export interface RuntimeFetchSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxBytes: number;
  readonly fetchMaxBytesPerPartition: number;
  readonly fetchMaxWaitTimeMs: number;
  readonly fetchMinBytes: number;
}

/** kafkajs consumer settings as the SPR runtime sets them, for the arm's group. */
export function runtimeConsumerConfig(groupId: string, settings: RuntimeFetchSettings): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxBytes: settings.fetchMaxBytes,
    maxBytesPerPartition: settings.fetchMaxBytesPerPartition,
    maxWaitTimeInMs: settings.fetchMaxWaitTimeMs,
    minBytes: settings.fetchMinBytes,
    allowAutoTopicCreation: false,
    readUncommitted: false,
  };
}
