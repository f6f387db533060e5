import { readFileSync } from 'node:fs';
import { readEnv, type EnvReader } from '@spr/app-config';
import { REGISTRY_REQUEST_TIMEOUT_MS } from './kafka-client.ts';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** Everything needed to reach the cluster and the schema registry; parsed once at the app's edge. */
export interface KafkaClientConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS: `true` for the system CAs, or PEM material (a private CA, mutual TLS). */
  readonly tls?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retry: { readonly retries: number; readonly initialRetryTimeMs: number; readonly maxRetryTimeMs: number };
}

export interface SchemaRegistryConfig {
  /** The Confluent-compatible API root, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  readonly url: string;
  /** Per-request timeout (default REGISTRY_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  readonly username?: string;
  readonly password?: string;
}

export const KAFKA_DEFAULTS = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  retry: { retries: 8, initialRetryTimeMs: 100, maxRetryTimeMs: 10_000 },
} as const;

const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];
const BROKER = /^[^\s:]+:\d{1,5}$/;

function pemFile(e: EnvReader, name: string): string | undefined {
  const path = e.optionalString(name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    e.problem(`${name}=${path} cannot be read: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Kafka settings from the environment: KAFKA_BROKERS (comma-separated host:port), KAFKA_CLIENT_ID,
 * KAFKA_TLS (a boolean), KAFKA_TLS_CA_FILE / KAFKA_TLS_CERT_FILE / KAFKA_TLS_KEY_FILE, KAFKA_SASL_MECHANISM
 * (plain, scram-sha-256, scram-sha-512) with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD,
 * KAFKA_CONNECTION_TIMEOUT_MS, KAFKA_REQUEST_TIMEOUT_MS, KAFKA_RETRIES. Throws a ConfigError naming every problem.
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv, defaultClientId: string): KafkaClientConfig {
  return readEnv(env, (e) => readKafkaConfig(e, defaultClientId));
}

/** kafkaConfigFromEnv for an app's own reader, so that its problems are reported with the app's. */
export function readKafkaConfig(e: EnvReader, defaultClientId: string): KafkaClientConfig {
  const brokers = e
    .string('KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const broker of brokers) if (!BROKER.test(broker)) e.problem(`KAFKA_BROKERS entry '${broker}' is not host:port`);
  const ca = pemFile(e, 'KAFKA_TLS_CA_FILE');
  const cert = pemFile(e, 'KAFKA_TLS_CERT_FILE');
  const key = pemFile(e, 'KAFKA_TLS_KEY_FILE');
  const tlsFlag = e.bool('KAFKA_TLS', false);
  const tls = ca || cert || key ? { ca, cert, key } : tlsFlag;
  let sasl: KafkaClientConfig['sasl'];
  if (e.optionalString('KAFKA_SASL_MECHANISM') !== undefined) {
    const mechanism = e.oneOf('KAFKA_SASL_MECHANISM', SASL_MECHANISMS, 'plain');
    const username = e.string('KAFKA_SASL_USERNAME');
    const password = e.secret('KAFKA_SASL_PASSWORD');
    if (password === undefined) e.problem('KAFKA_SASL_PASSWORD is not set');
    sasl = { mechanism, username, password: password ?? '' };
  }
  return Object.freeze({
    brokers,
    clientId: e.string('KAFKA_CLIENT_ID', defaultClientId),
    tls,
    sasl,
    connectionTimeoutMs: e.int('KAFKA_CONNECTION_TIMEOUT_MS', KAFKA_DEFAULTS.connectionTimeoutMs, { min: 0 }),
    requestTimeoutMs: e.int('KAFKA_REQUEST_TIMEOUT_MS', KAFKA_DEFAULTS.requestTimeoutMs, { min: 0 }),
    retry: { ...KAFKA_DEFAULTS.retry, retries: e.int('KAFKA_RETRIES', KAFKA_DEFAULTS.retry.retries, { min: 0 }) },
  });
}

/**
 * SCHEMA_REGISTRY_URL (the Confluent-compatible API root, http or https), optional SCHEMA_REGISTRY_USERNAME /
 * _PASSWORD and SCHEMA_REGISTRY_TIMEOUT_MS. Throws a ConfigError naming every problem.
 */
export function schemaRegistryConfigFromEnv(env: NodeJS.ProcessEnv): SchemaRegistryConfig {
  return readEnv(env, readSchemaRegistryConfig);
}

/** schemaRegistryConfigFromEnv for an app's own reader. */
export function readSchemaRegistryConfig(e: EnvReader): SchemaRegistryConfig {
  return Object.freeze({
    url: e.url('SCHEMA_REGISTRY_URL', undefined, { protocols: ['http:', 'https:'] }),
    username: e.optionalString('SCHEMA_REGISTRY_USERNAME'),
    password: e.secret('SCHEMA_REGISTRY_PASSWORD'),
    // Unset stays undefined: the client applies REGISTRY_REQUEST_TIMEOUT_MS.
    requestTimeoutMs:
      e.optionalString('SCHEMA_REGISTRY_TIMEOUT_MS') === undefined
        ? undefined
        : e.int('SCHEMA_REGISTRY_TIMEOUT_MS', REGISTRY_REQUEST_TIMEOUT_MS, { min: 0 }),
  });
}
