import { RUNTIME_DEFAULTS } from '@spr/consumer-runtime';
import type { RuntimeFetchSettings } from './arms/runtime-fetch.ts';

/** The runtime's session and fetch settings, read in the benchmark's process for the thin arms' configs. */
export function runtimeFetchSettings(): RuntimeFetchSettings {
  const d = RUNTIME_DEFAULTS;
  return {
    sessionTimeoutMs: d.sessionTimeoutMs,
    heartbeatIntervalMs: d.heartbeatIntervalMs,
    fetchMaxBytes: d.fetchMaxBytes,
    fetchMaxBytesPerPartition: d.fetchMaxBytesPerPartition,
    fetchMaxWaitTimeMs: d.fetchMaxWaitTimeMs,
    fetchMinBytes: d.fetchMinBytes,
  };
}
