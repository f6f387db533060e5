import type { BacklogOptions } from './backlog-generator.ts';

export interface LoadConfig {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly topic: string;
  readonly partitions: number;
  readonly ratePerSec: number;
  readonly durationSec: number;
  /** Where the events come from (events = rate × duration; the id prefix keeps runs' payments apart). */
  readonly backlog: BacklogOptions;
  /** Return each event's intended time, partition and offset (latency runs), or counts only (the stall). */
  readonly record: boolean;
}

export interface LoadResult {
  readonly startAt: number;
  /** Events handed to the producer (the schedule stops at its end time even when the sender is behind). */
  readonly sent: number;
  /** Of the sent events, the redeliveries (second deliveries of events sent before). */
  readonly redeliveries: number;
  readonly acked: number;
  readonly failed: number;
  /** The furthest the sender was behind its schedule, in ms. */
  readonly maxBehindMs: number;
  readonly achievedRatePerSec: number;
  readonly intended?: Float64Array;
  readonly partition?: Int32Array;
  readonly offset?: Float64Array;
}

export type LoadMessage =
  | { readonly type: 'ready' }
  | ({ readonly type: 'result' } & LoadResult)
  | { readonly type: 'failed'; readonly error: string };
export type LoadCommand = { readonly type: 'go' } | { readonly type: 'stop' };

export const LOAD_CONFIG_ENV = 'SPR_BENCH_LOAD_CONFIG';
