import { POSTGRES_URL, readEnv, shutdownTimeoutMsFromEnv } from '@spr/app-config';
import { LOG_LEVELS, type LogLevel } from '@spr/observability';
import {
  readKafkaConfig,
  readSchemaRegistryConfig,
  type KafkaClientConfig,
  type SchemaRegistryConfig,
} from '@spr/routing';

export interface ReconcilerConfig {
  readonly databaseUrl: string;
  readonly kafka: KafkaClientConfig;
  readonly registry: SchemaRegistryConfig;
  readonly topic: string;
  readonly groupId: string;
  readonly opsHost: string;
  readonly opsPort: number;
  readonly logLevel: LogLevel;
  /** Scheduled mode: how long a graceful stop may take before the process exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
}

/** The reconciler's settings (documented in apps/reconciler/README.md); a ConfigError names every bad variable. */
export function reconcilerConfigFromEnv(env: NodeJS.ProcessEnv): ReconcilerConfig {
  return readEnv(env, (e) =>
    Object.freeze({
      databaseUrl: e.url('DATABASE_URL', undefined, POSTGRES_URL),
      kafka: readKafkaConfig(e, 'reconciler'),
      registry: readSchemaRegistryConfig(e),
      topic: e.string('PAYMENTS_TOPIC', 'payments'),
      groupId: e.string('CONSUMER_GROUP', 'payment-consumer'),
      opsHost: e.string('OPS_HOST', '127.0.0.1'),
      opsPort: e.int('OPS_PORT', 9092, { min: 0, max: 65_535 }),
      logLevel: e.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      shutdownTimeoutMs: shutdownTimeoutMsFromEnv(e),
    }),
  );
}
