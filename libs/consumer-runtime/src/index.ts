// The runtime, its options and its Kafka driver seam.
export { createConsumerRuntime, type ConsumerRuntime } from './consumer-runtime.ts';
export { RUNTIME_DEFAULTS, type ConsumerRuntimeOptions, type StageSample } from './runtime-options.ts';
export { DEFAULT_BACKPRESSURE, type BackpressureOptions } from './backpressure.ts';
export { createKafkajsDriver } from './kafkajs-driver.ts';
export type { DriverListener, FetchedRecords, KafkaDriver } from './kafka-driver.ts';
export { RuntimeError } from './runtime-error.ts';
export { FENCED_MESSAGE } from './partition-pipeline.ts';
// What a handler and a decoder implement.
export {
  entityKey,
  type ApplyHandler,
  type DecodeOutcome,
  type EntityRef,
  type EntityState,
  type EventDecoder,
  type FoldHandler,
  type RawMessage,
  type StatesLoad,
} from './types.ts';
// Operating it: redrive of dead letters and parked events, and the chaos suite's fault points.
export { redriveDeadLetters, redriveParked } from './redrive.ts';
export { FAULT_POINTS, faultInjectorFromEnv, type FaultPoint } from './fault-points.ts';
// The stored offsets (consumer_offsets has no other owner): read by the reconciler, the benchmark and the chaos
// suite, reset by a repair, claimed by the benchmark's PostgreSQL-only arm.
export { claimPartition, readGroupOffsets, resetPartitionOffset, type StoredPartitionOffset } from './offset-store.ts';
// The chunk write's own parts, for the benchmark's PostgreSQL-only arm, which writes the consumer's rows without the
// runtime.
export { offsetAdvanceStatement } from './offset-store.ts';
export { runInOneRoundTrip } from './one-round-trip.ts';
