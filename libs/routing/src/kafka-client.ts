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

/** Routes kafkajs's own log lines into the service's structured log. */
function kafkajsLogCreator(logger: ClientLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...context } = log;
      const line = { ...context, kafkajs: namespace };
      if (level === logLevel.ERROR) logger.error(line, message);
      else if (level === logLevel.WARN) logger.warn(line, message);
      else if (level === logLevel.INFO) logger.info(line, message);
      else logger.debug(line, message);
    };
}

/** The one way every SPR service builds its Kafka client. */
export function createKafkaClient(config: KafkaClientConfig, logger?: ClientLogger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.tls === undefined ? false : typeof config.tls === 'boolean' ? config.tls : { ...config.tls },
    sasl: config.sasl ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as never) : undefined,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: { retries: config.retry.retries, initialRetryTime: config.retry.initialRetryTimeMs, maxRetryTime: config.retry.maxRetryTimeMs },
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
