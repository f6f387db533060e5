import type { RawMessage } from './types.ts';

/** Records of one partition, in offset order, as the Kafka client fetched them. */
export interface FetchedRecords {
  readonly partition: number;
  readonly records: readonly RawMessage[];
  /** When the client handed them over (epoch milliseconds, sub-millisecond precision): stage tracing. */
  readonly receivedAt: number;
}

/** What the driver tells the runtime. Calls never overlap and the runtime never blocks the driver in them. */
export interface DriverListener {
  /**
   * The group gave this member a new assignment: every partition it owns from now on (possibly none).
   * `generation` grows with every assignment this member receives.
   */
  assigned(assignment: { readonly generation: number; readonly partitions: readonly number[] }): void;
  records(fetched: FetchedRecords): void;
  /** The client failed in a way it does not recover from by itself. */
  crashed(error: Error): void;
}

/**
 * The runtime's only way to Kafka, for one topic and one consumer group: small enough that a second client
 * library can sit behind it. The runtime owns every decision (claims, offsets, pauses); the driver fetches.
 */
export interface KafkaDriver {
  /** Connects, checks that the topic exists, joins the group and starts fetching; resolves once it runs. */
  start(listener: DriverListener): Promise<void>;
  /** Stops fetching, leaves the group and disconnects. Idempotent. */
  stop(): Promise<void>;
  pause(partitions: readonly number[]): void;
  resume(partitions: readonly number[]): void;
  /** The assigned partitions the client has paused right now, whoever paused them. */
  paused(): number[];
  /**
   * The next records of `partition` handed over start at `offset`; none fetched from an earlier position is
   * handed over after this call (the pipeline relies on it to never skip an offset).
   */
  seek(partition: number, offset: bigint): void;
  /** Advisory only: Kafka's committed offset, for lag tools. The database holds the truth. */
  commit(partition: number, nextOffset: bigint): Promise<void>;
  /** Log start and end offsets of every partition of the topic. */
  offsets(): Promise<Map<number, { readonly start: bigint; readonly end: bigint }>>;
}
