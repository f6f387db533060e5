import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import type { KafkaClientConfig, SchemaRegistryConfig } from './client-config.ts';

/** The subset of a structured logger the clients log through (pino's shape). */
export interface ClientLogger {
  error(context: object, message: string): void;
  warn(context: object, message: string): void;
  info(context: object, message: string): void;
  debug(context: object, message: string): void;
}

/**
 * Broker answers that are part of every rebalance (kafkajs's own error texts). kafkajs logs each at level error,
 * which log-based alerting takes for a fault; the consumer rejoins the group and goes on.
 */
const ROUTINE_GROUP_RESPONSES = new Set([
  'The group is rebalancing, so a rejoin is needed',
  'Specified group generation id is not valid',
  'The coordinator is not aware of this member',
  'The group member needs to have a valid member id before actually entering a consumer group',
  'This is not the correct coordinator for this group',
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
]);
const EVICTED_REJOINING = 'The coordinator is not aware of this member, re-joining the group';

/** The level a kafkajs log entry gets in the service's log: routine group coordination is not an error. */
export function kafkajsLogLevel(
  level: logLevel,
  message: string,
  context: Record<string, unknown>,
): 'error' | 'warn' | 'info' | 'debug' {
  if (level === logLevel.ERROR) {
    // The member was evicted (a long pause, a missed session): worth a warning, not an alert.
    if (message === EVICTED_REJOINING) return 'warn';
    if (message.startsWith('Response ') && ROUTINE_GROUP_RESPONSES.has(String(context.error))) return 'info';
    return 'error';
  }
  return level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
}

/** Routes kafkajs's own log lines into the service's structured log. */
function kafkajsLogCreator(logger: ClientLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...context } = log;
      logger[kafkajsLogLevel(level, message, context)]({ ...context, kafkajs: namespace }, message);
    };
}

/** The one way every SPR service builds its Kafka client. */
export function createKafkaClient(config: KafkaClientConfig, logger?: ClientLogger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.tls === undefined ? false : typeof config.tls === 'boolean' ? config.tls : { ...config.tls },
    sasl: config.sasl
      ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as never)
      : undefined,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: {
      retries: config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: logger ? kafkajsLogCreator(logger) : undefined,
  });
}

/** How long one registry request may take: a registry that hangs must fail (and be retried), not block forever. */
export const REGISTRY_REQUEST_TIMEOUT_MS = 5_000;

/** The schema registry client, on the Confluent-compatible API, with a per-request timeout. */
export function createSchemaRegistryClient(config: SchemaRegistryConfig): SchemaRegistry {
  const auth = config.username ? { username: config.username, password: config.password ?? '' } : undefined;
  return new SchemaRegistry({
    host: config.url,
    auth,
    // mappersmith's ESM and CJS typings of the same middleware differ; the function is the same.
    middlewares: [TimeoutMiddleware(config.requestTimeoutMs ?? REGISTRY_REQUEST_TIMEOUT_MS) as never],
  });
}
