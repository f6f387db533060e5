import { readFileSync } from 'node:fs';
import { RoutingError } from './routing-error.ts';

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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new RoutingError('INVALID_CONFIG', `${name} is not set`);
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new RoutingError('INVALID_CONFIG', `${name}=${raw} is not a non-negative integer`);
  return value;
}

function pemFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const path = env[name];
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RoutingError('INVALID_CONFIG', `${name}=${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Kafka settings from the environment: KAFKA_BROKERS (comma-separated host:port), KAFKA_CLIENT_ID,
 * KAFKA_TLS (true/false), KAFKA_TLS_CA_FILE / KAFKA_TLS_CERT_FILE / KAFKA_TLS_KEY_FILE, KAFKA_SASL_MECHANISM
 * (plain, scram-sha-256, scram-sha-512) with KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD,
 * KAFKA_CONNECTION_TIMEOUT_MS, KAFKA_REQUEST_TIMEOUT_MS, KAFKA_RETRIES.
 */
export function kafkaConfigFromEnv(env: NodeJS.ProcessEnv, defaultClientId: string): KafkaClientConfig {
  const brokers = required(env, 'KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw new RoutingError('INVALID_CONFIG', `KAFKA_BROKERS entry '${broker}' is not host:port`);
  }
  const ca = pemFile(env, 'KAFKA_TLS_CA_FILE');
  const cert = pemFile(env, 'KAFKA_TLS_CERT_FILE');
  const key = pemFile(env, 'KAFKA_TLS_KEY_FILE');
  const tlsFlag = env.KAFKA_TLS?.toLowerCase();
  if (tlsFlag !== undefined && tlsFlag !== '' && tlsFlag !== 'true' && tlsFlag !== 'false') {
    throw new RoutingError('INVALID_CONFIG', `KAFKA_TLS=${env.KAFKA_TLS} must be true or false`);
  }
  const tls = ca || cert || key ? { ca, cert, key } : tlsFlag === 'true';
  let sasl: KafkaClientConfig['sasl'];
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism) {
    if (!SASL_MECHANISMS.includes(mechanism as SaslMechanism)) {
      throw new RoutingError('INVALID_CONFIG', `KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} must be one of ${SASL_MECHANISMS.join(', ')}`);
    }
    sasl = { mechanism: mechanism as SaslMechanism, username: required(env, 'KAFKA_SASL_USERNAME'), password: required(env, 'KAFKA_SASL_PASSWORD') };
  }
  return Object.freeze({
    brokers,
    clientId: env.KAFKA_CLIENT_ID?.trim() || defaultClientId,
    tls,
    sasl,
    connectionTimeoutMs: positiveInt(env, 'KAFKA_CONNECTION_TIMEOUT_MS', KAFKA_DEFAULTS.connectionTimeoutMs),
    requestTimeoutMs: positiveInt(env, 'KAFKA_REQUEST_TIMEOUT_MS', KAFKA_DEFAULTS.requestTimeoutMs),
    retry: { ...KAFKA_DEFAULTS.retry, retries: positiveInt(env, 'KAFKA_RETRIES', KAFKA_DEFAULTS.retry.retries) },
  });
}

/**
 * SCHEMA_REGISTRY_URL (the Confluent-compatible API root), optional SCHEMA_REGISTRY_USERNAME / _PASSWORD and
 * SCHEMA_REGISTRY_TIMEOUT_MS.
 */
export function schemaRegistryConfigFromEnv(env: NodeJS.ProcessEnv): SchemaRegistryConfig {
  const url = required(env, 'SCHEMA_REGISTRY_URL');
  try {
    new URL(url);
  } catch (error) {
    throw new RoutingError('INVALID_CONFIG', `SCHEMA_REGISTRY_URL=${url} is not a URL`, { cause: error });
  }
  return Object.freeze({
    url,
    username: env.SCHEMA_REGISTRY_USERNAME || undefined,
    password: env.SCHEMA_REGISTRY_PASSWORD || undefined,
    requestTimeoutMs: env.SCHEMA_REGISTRY_TIMEOUT_MS ? positiveInt(env, 'SCHEMA_REGISTRY_TIMEOUT_MS', 5_000) : undefined,
  });
}
