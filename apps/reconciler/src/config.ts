import { envReader } from '@spr/app-config';
import type { LogLevel } from '@spr/observability';
import { kafkaConfigFromEnv, schemaRegistryConfigFromEnv, type KafkaClientConfig, type SchemaRegistryConfig } from '@spr/routing';

export interface ReconcilerConfig {
  readonly databaseUrl: string;
  readonly kafka: KafkaClientConfig;
  readonly registry: SchemaRegistryConfig;
  readonly topic: string;
  readonly groupId: string;
  readonly opsHost: string;
  readonly opsPort: number;
  readonly logLevel: LogLevel;
}

/** The reconciler's settings (documented in apps/reconciler/README.md). */
export function reconcilerConfigFromEnv(env: NodeJS.ProcessEnv): ReconcilerConfig {
  const e = envReader(env);
  return Object.freeze({
    databaseUrl: e.url('DATABASE_URL'),
    kafka: kafkaConfigFromEnv(env, 'reconciler'),
    registry: schemaRegistryConfigFromEnv(env),
    topic: e.string('PAYMENTS_TOPIC', 'payments'),
    groupId: e.string('CONSUMER_GROUP', 'payment-consumer'),
    opsHost: e.string('OPS_HOST', '127.0.0.1'),
    opsPort: e.int('OPS_PORT', 9092, { min: 0, max: 65_535 }),
    logLevel: e.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
  });
}
