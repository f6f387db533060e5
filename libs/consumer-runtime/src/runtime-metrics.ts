import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EventOutcomeLabel = 'applied' | 'duplicate' | 'parked' | 'dead_lettered';

/** The runtime's Prometheus metrics, registered on the service's registry. */
export function createRuntimeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events: new Counter({ name: 'spr_consumer_events_total', help: 'Events by outcome', labelNames: ['partition', 'outcome'] as const, registers }),
    deadLetters: new Counter({ name: 'spr_consumer_dead_letters_total', help: 'Dead-lettered events by reason code', labelNames: ['reason'] as const, registers }),
    chunkSeconds: new Histogram({
      name: 'spr_consumer_transaction_seconds',
      help: 'Chunk transaction latency, from BEGIN to COMMIT',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    chunkEvents: new Histogram({ name: 'spr_consumer_chunk_events', help: 'Events per chunk transaction', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers }),
    batchSeconds: new Histogram({
      name: 'spr_consumer_batch_seconds',
      help: 'Time to process one fetched batch of a partition',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }),
    poolWaitSeconds: new Histogram({ name: 'spr_consumer_pool_wait_seconds', help: 'Wait for a PostgreSQL connection', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers }),
    retries: new Counter({ name: 'spr_consumer_transient_retries_total', help: 'Chunk attempts retried after a transient failure', labelNames: ['kind'] as const, registers }),
    fenced: new Counter({ name: 'spr_consumer_fenced_total', help: 'Chunk transactions rejected by the offset fence', labelNames: ['partition'] as const, registers }),
    pauses: new Counter({ name: 'spr_consumer_pauses_total', help: 'Times fetching was paused by backpressure', registers }),
    paused: new Gauge({ name: 'spr_consumer_paused', help: '1 while fetching is paused by backpressure', registers }),
    lag: new Gauge({
      name: 'spr_consumer_lag',
      help: "Kafka's log end offset minus the stored next offset, per partition this member owns (refreshed on a timer)",
      labelNames: ['partition'] as const,
      registers,
    }),
    stalled: new Gauge({
      name: 'spr_consumer_partition_stalled',
      help: '1 while a partition this member owns has records beyond its stored offset and makes no progress (not paused by backpressure)',
      labelNames: ['partition'] as const,
      registers,
    }),
    inFlight: new Gauge({ name: 'spr_consumer_in_flight_events', help: 'Events fetched and not yet committed, per partition', labelNames: ['partition'] as const, registers }),
    assigned: new Gauge({ name: 'spr_consumer_assigned_partitions', help: 'Partitions this member owns', registers }),
  };
}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;
