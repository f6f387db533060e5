import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EventOutcomeLabel = 'applied' | 'duplicate' | 'parked' | 'dead_lettered';

/** The runtime's Prometheus metrics, registered on the service's registry. */
export function createRuntimeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'spr_consumer_events_total',
      help: 'Events by outcome',
      labelNames: ['partition', 'outcome'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'spr_consumer_dead_letters_total',
      help: 'Dead-lettered events by reason code',
      labelNames: ['reason'] as const,
      registers,
    }),
    chunkSeconds: new Histogram({
      name: 'spr_consumer_transaction_seconds',
      help: 'Chunk transaction latency, from BEGIN to COMMIT',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    chunkEvents: new Histogram({
      name: 'spr_consumer_chunk_events',
      help: 'Events per chunk transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers,
    }),
    poolWaitSeconds: new Histogram({
      name: 'spr_consumer_pool_wait_seconds',
      help: 'Wait for a PostgreSQL connection',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    retries: new Counter({
      name: 'spr_consumer_transient_retries_total',
      help: 'Chunk attempts retried after a transient failure',
      labelNames: ['kind'] as const,
      registers,
    }),
    fenced: new Counter({
      name: 'spr_consumer_fenced_total',
      help:
        'Times this member found one of its partitions claimed by another member ' +
        '(by its chunk transaction or the offset monitor)',
      labelNames: ['partition'] as const,
      registers,
    }),
    pauses: new Counter({
      name: 'spr_consumer_pauses_total',
      help: 'Times every partition stopped fetching because PostgreSQL was slow (backpressure)',
      registers,
    }),
    paused: new Gauge({
      name: 'spr_consumer_paused',
      help: '1 while fetching is paused by backpressure (PostgreSQL is slow)',
      registers,
    }),
    queueFull: new Counter({
      name: 'spr_consumer_queue_full_total',
      help: "Times a partition's queue reached its byte budget and its fetching paused (routine under a backlog)",
      registers,
    }),
    lag: new Gauge({
      name: 'spr_consumer_lag',
      help:
        "Kafka's log end offset minus the stored next offset, per partition this member owns " +
        '(refreshed on a timer)',
      labelNames: ['partition'] as const,
      registers,
    }),
    stalled: new Gauge({
      name: 'spr_consumer_partition_stalled',
      help:
        '1 while a partition this member owns has records beyond its stored offset and makes no progress ' +
        '(not paused by backpressure)',
      labelNames: ['partition'] as const,
      registers,
    }),
    queued: new Gauge({
      name: 'spr_consumer_queued_events',
      help: 'Events fetched and waiting for their chunk transaction, per partition (refreshed on a timer)',
      labelNames: ['partition'] as const,
      registers,
    }),
    assigned: new Gauge({ name: 'spr_consumer_assigned_partitions', help: 'Partitions this member owns', registers }),
  };
}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics>;
