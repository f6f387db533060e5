import { isValidTopicName } from '@spr/contracts';
import { POSTGRES_URL, readEnv, redactUrl, SHUTDOWN_TIMEOUT_MS, shutdownTimeoutMsFromEnv } from '@spr/app-config';
import { LOG_LEVELS, type LogLevel } from '@spr/observability';
import {
  readKafkaConfig,
  readSchemaRegistryConfig,
  type KafkaClientConfig,
  type SchemaRegistryConfig,
} from '@spr/routing';
import { parseApiKeys, type ApiKeyEntry } from './api-keys.ts';

/** Everything the gateway is configured with, parsed once from the environment at the edge, frozen. */
export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly dbPoolSize: number;
  readonly kafka: KafkaClientConfig;
  readonly schemaRegistry: SchemaRegistryConfig;
  readonly paymentsTopic: string;
  readonly paymentsPartitions: number;
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly bodyLimitBytes: number;
  readonly logLevel: LogLevel;
  readonly migrateOnStart: boolean;
  /** How long an authorization holds the money before it lapses (`expires_at` of PaymentAuthorized). */
  readonly authorizationTtlMs: number;
  readonly relay: { readonly batchSize: number; readonly pollIntervalMs: number };
  /** How long a graceful stop may take before main.ts exits anyway. */
  readonly shutdownTimeoutMs: number;
}

export const GATEWAY_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  dbPoolSize: 10,
  paymentsTopic: 'payments',
  paymentsPartitions: 6,
  bodyLimitBytes: 16 * 1024,
  logLevel: 'info',
  authorizationTtlMs: 7 * 24 * 60 * 60 * 1000,
  relayBatchSize: 500,
  relayPollIntervalMs: 500,
  shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS.default,
  kafkaClientId: 'spr-producer-gateway',
} as const;

/**
 * Reads the gateway's settings (see the app's README for each variable and its default). Every problem is
 * collected, so one start names all of them; the message names the variable and never echoes a secret.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv): GatewayConfig {
  return readEnv(env, (e) => {
    const port = e.int('PORT', GATEWAY_DEFAULTS.port, { min: 0, max: 65_535 });
    const host = e.string('HOST', GATEWAY_DEFAULTS.host);
    const databaseUrl = e.url('DATABASE_URL', undefined, POSTGRES_URL);
    const dbPoolSize = e.int('DB_POOL_SIZE', GATEWAY_DEFAULTS.dbPoolSize, { min: 1, max: 1_000 });
    const kafka = readKafkaConfig(e, GATEWAY_DEFAULTS.kafkaClientId);
    const schemaRegistry = readSchemaRegistryConfig(e);
    const paymentsTopic = e.string('PAYMENTS_TOPIC', GATEWAY_DEFAULTS.paymentsTopic);
    if (!isValidTopicName(paymentsTopic)) e.problem(`PAYMENTS_TOPIC=${paymentsTopic} is not a valid Kafka topic name`);
    const paymentsPartitions = e.int('PAYMENTS_PARTITIONS', GATEWAY_DEFAULTS.paymentsPartitions, {
      min: 1,
      max: 100_000,
    });
    let apiKeys: readonly ApiKeyEntry[] = [];
    const rawKeys = e.secret('GATEWAY_API_KEYS');
    if (rawKeys === undefined)
      e.problem('GATEWAY_API_KEYS is not set; expected <key-id>:<sha256-hex-of-the-key>[,...]');
    else {
      const parsed = parseApiKeys(rawKeys);
      if (parsed.ok) apiKeys = parsed.keys;
      else e.problem(`GATEWAY_API_KEYS ${parsed.problem}`);
    }
    const bodyLimitBytes = e.int('BODY_LIMIT_BYTES', GATEWAY_DEFAULTS.bodyLimitBytes, {
      min: 256,
      max: 64 * 1024 * 1024,
    });
    const logLevel = e.oneOf('LOG_LEVEL', LOG_LEVELS, GATEWAY_DEFAULTS.logLevel);
    const migrateOnStart = e.bool('MIGRATE_ON_START', false);
    const authorizationTtlMs = e.int('AUTHORIZATION_TTL_MS', GATEWAY_DEFAULTS.authorizationTtlMs, {
      min: 1_000,
      max: 366 * 24 * 60 * 60 * 1000,
    });
    const batchSize = e.int('RELAY_BATCH_SIZE', GATEWAY_DEFAULTS.relayBatchSize, { min: 1, max: 10_000 });
    const pollIntervalMs = e.int('RELAY_POLL_INTERVAL_MS', GATEWAY_DEFAULTS.relayPollIntervalMs, {
      min: 10,
      max: 60_000,
    });
    const shutdownTimeoutMs = shutdownTimeoutMsFromEnv(e);
    return Object.freeze({
      port,
      host,
      databaseUrl,
      dbPoolSize,
      kafka,
      schemaRegistry,
      paymentsTopic,
      paymentsPartitions,
      apiKeys: Object.freeze(apiKeys),
      bodyLimitBytes,
      logLevel,
      migrateOnStart,
      authorizationTtlMs,
      relay: Object.freeze({ batchSize, pollIntervalMs }),
      shutdownTimeoutMs,
    });
  });
}

/** What the gateway logs about its configuration at start: no secret, no key hash. */
export function describeConfig(config: GatewayConfig): Record<string, unknown> {
  return {
    port: config.port,
    host: config.host,
    database: redactUrl(config.databaseUrl),
    dbPoolSize: config.dbPoolSize,
    kafkaBrokers: config.kafka.brokers,
    kafkaClientId: config.kafka.clientId,
    schemaRegistryUrl: redactUrl(config.schemaRegistry.url),
    paymentsTopic: config.paymentsTopic,
    paymentsPartitions: config.paymentsPartitions,
    apiKeyIds: config.apiKeys.map((k) => k.id),
    bodyLimitBytes: config.bodyLimitBytes,
    logLevel: config.logLevel,
    migrateOnStart: config.migrateOnStart,
    relay: config.relay,
  };
}
