import { POSTGRES_URL, readEnv, shutdownTimeoutMsFromEnv } from '@spr/app-config';
import { DEFAULT_BACKPRESSURE, RUNTIME_DEFAULTS, type BackpressureOptions } from '@spr/consumer-runtime';
import { LOG_LEVELS, type LogLevel } from '@spr/observability';
import {
  readKafkaConfig,
  readSchemaRegistryConfig,
  type KafkaClientConfig,
  type SchemaRegistryConfig,
} from '@spr/routing';

export interface PaymentConsumerConfig {
  readonly databaseUrl: string;
  readonly dbPoolSize: number;
  /** PostgreSQL ends a transaction left idle this long (a frozen process must not hold locks forever). */
  readonly idleInTransactionTimeoutMs: number;
  readonly kafka: KafkaClientConfig;
  readonly registry: SchemaRegistryConfig;
  readonly topic: string;
  readonly groupId: string;
  readonly startFrom: 'earliest' | 'latest';
  readonly chunkMaxEvents: number;
  /** Fetched records one partition may queue before its fetching pauses (key and value bytes). */
  readonly queueMaxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  /** A partition with work whose stored offset has not moved this long turns readiness false. */
  readonly stallAfterMs: number;
  readonly backpressure: BackpressureOptions;
  readonly fetchMaxBytes: number;
  readonly fetchMaxBytesPerPartition: number;
  readonly opsHost: string;
  readonly opsPort: number;
  readonly logLevel: LogLevel;
  readonly migrateOnStart: boolean;
  /** How long a graceful stop may take before the process exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
}

/**
 * The consumer's settings from the environment (documented in apps/payment-consumer/README.md); a ConfigError names
 * every bad variable at once.
 */
export function paymentConsumerConfigFromEnv(env: NodeJS.ProcessEnv): PaymentConsumerConfig {
  return readEnv(env, (e) =>
    Object.freeze({
      databaseUrl: e.url('DATABASE_URL', undefined, POSTGRES_URL),
      dbPoolSize: e.int('DB_POOL_SIZE', 8, { min: 2, max: 200 }),
      idleInTransactionTimeoutMs: e.int('IDLE_IN_TRANSACTION_TIMEOUT_MS', 30_000, { min: 0 }),
      kafka: readKafkaConfig(e, 'payment-consumer'),
      registry: readSchemaRegistryConfig(e),
      topic: e.string('PAYMENTS_TOPIC', 'payments'),
      groupId: e.string('CONSUMER_GROUP', 'payment-consumer'),
      startFrom: e.oneOf('START_FROM', ['earliest', 'latest'] as const, 'earliest'),
      chunkMaxEvents: e.int('CHUNK_MAX_EVENTS', RUNTIME_DEFAULTS.chunkMaxEvents, { min: 1, max: 100_000 }),
      queueMaxBytesPerPartition: e.int('QUEUE_MAX_BYTES_PER_PARTITION', RUNTIME_DEFAULTS.queueMaxBytesPerPartition, {
        min: 1024,
      }),
      sessionTimeoutMs: e.int('SESSION_TIMEOUT_MS', RUNTIME_DEFAULTS.sessionTimeoutMs, { min: 1_000 }),
      stallAfterMs: e.int('STALL_AFTER_MS', RUNTIME_DEFAULTS.stallAfterMs, { min: 1_000 }),
      backpressure: {
        ...DEFAULT_BACKPRESSURE,
        pauseAboveTxMs: e.int('PAUSE_ABOVE_TX_MS', DEFAULT_BACKPRESSURE.pauseAboveTxMs, { min: 1 }),
        resumeBelowTxMs: e.int('RESUME_BELOW_TX_MS', DEFAULT_BACKPRESSURE.resumeBelowTxMs, { min: 1 }),
      },
      fetchMaxBytes: e.int('FETCH_MAX_BYTES', RUNTIME_DEFAULTS.fetchMaxBytes, { min: 1024 }),
      fetchMaxBytesPerPartition: e.int('FETCH_MAX_BYTES_PER_PARTITION', RUNTIME_DEFAULTS.fetchMaxBytesPerPartition, {
        min: 1024,
      }),
      opsHost: e.string('OPS_HOST', '127.0.0.1'),
      opsPort: e.int('OPS_PORT', 9091, { min: 0, max: 65_535 }),
      logLevel: e.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      migrateOnStart: e.bool('MIGRATE_ON_START', false),
      shutdownTimeoutMs: shutdownTimeoutMsFromEnv(e),
    }),
  );
}
