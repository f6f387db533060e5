import { isValidTopicName } from '@spr/contracts';
import type { LogLevel } from '@spr/observability';
import { kafkaConfigFromEnv, schemaRegistryConfigFromEnv, type KafkaClientConfig, type SchemaRegistryConfig } from '@spr/routing';
import { parseApiKeys, type ApiKeyEntry } from './api-keys.ts';
import { GatewayError } from './gateway-error.ts';

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
  shutdownTimeoutMs: 30_000,
  kafkaClientId: 'spr-producer-gateway',
} as const;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Reads the gateway's settings (see the app's README for each variable and its default). Every problem is
 * collected, so one start names all of them; the message names the variable and never echoes a secret.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv): GatewayConfig {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const port = int('PORT', GATEWAY_DEFAULTS.port, 0, 65_535);
  const host = env.HOST?.trim() || GATEWAY_DEFAULTS.host;
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  if (!databaseUrl) problems.push('DATABASE_URL is not set (e.g. postgres://user:password@host:5432/db)');
  else if (!isPostgresUrl(databaseUrl)) problems.push('DATABASE_URL is not a postgres:// or postgresql:// URL');
  const dbPoolSize = int('DB_POOL_SIZE', GATEWAY_DEFAULTS.dbPoolSize, 1, 1_000);
  const kafka = attempt(() => kafkaConfigFromEnv(env, GATEWAY_DEFAULTS.kafkaClientId));
  const schemaRegistry = attempt(() => schemaRegistryConfigFromEnv(env));
  const paymentsTopic = env.PAYMENTS_TOPIC?.trim() || GATEWAY_DEFAULTS.paymentsTopic;
  if (!isValidTopicName(paymentsTopic)) problems.push(`PAYMENTS_TOPIC=${paymentsTopic} is not a valid Kafka topic name`);
  const paymentsPartitions = int('PAYMENTS_PARTITIONS', GATEWAY_DEFAULTS.paymentsPartitions, 1, 100_000);
  let apiKeys: readonly ApiKeyEntry[] = [];
  const rawKeys = env.GATEWAY_API_KEYS?.trim();
  if (!rawKeys) problems.push('GATEWAY_API_KEYS is not set; expected <key-id>:<sha256-hex-of-the-key>[,...]');
  else {
    const parsed = parseApiKeys(rawKeys);
    if (parsed.ok) apiKeys = parsed.keys;
    else problems.push(`GATEWAY_API_KEYS ${parsed.problem}`);
  }
  const bodyLimitBytes = int('BODY_LIMIT_BYTES', GATEWAY_DEFAULTS.bodyLimitBytes, 256, 64 * 1024 * 1024);
  const rawLevel = env.LOG_LEVEL?.trim().toLowerCase() || GATEWAY_DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(rawLevel as LogLevel)) problems.push(`LOG_LEVEL=${env.LOG_LEVEL} must be one of ${LOG_LEVELS.join(', ')}`);
  const rawMigrate = env.MIGRATE_ON_START?.trim().toLowerCase() || 'false';
  if (rawMigrate !== 'true' && rawMigrate !== 'false') problems.push(`MIGRATE_ON_START=${env.MIGRATE_ON_START} must be true or false`);
  const authorizationTtlMs = int('AUTHORIZATION_TTL_MS', GATEWAY_DEFAULTS.authorizationTtlMs, 1_000, 366 * 24 * 60 * 60 * 1000);
  const batchSize = int('RELAY_BATCH_SIZE', GATEWAY_DEFAULTS.relayBatchSize, 1, 10_000);
  const pollIntervalMs = int('RELAY_POLL_INTERVAL_MS', GATEWAY_DEFAULTS.relayPollIntervalMs, 10, 60_000);
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', GATEWAY_DEFAULTS.shutdownTimeoutMs, 100, 10 * 60_000);

  if (problems.length > 0 || !kafka || !schemaRegistry) {
    throw new GatewayError('INVALID_CONFIG', `invalid gateway configuration:\n  - ${problems.join('\n  - ')}`, { context: { problems } });
  }
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
    logLevel: rawLevel as LogLevel,
    migrateOnStart: rawMigrate === 'true',
    authorizationTtlMs,
    relay: Object.freeze({ batchSize, pollIntervalMs }),
    shutdownTimeoutMs,
  });
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

/** The URL with its password replaced, for logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[unparseable]';
  }
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
