import { ConfigError, redactUrl } from '@spr/app-config';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.ts';
import { describeConfig, GATEWAY_DEFAULTS, gatewayConfigFromEnv } from './config.ts';

const minimal = {
  DATABASE_URL: 'postgres://spr:s3cret-pw@127.0.0.1:15432/spr',
  KAFKA_BROKERS: '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  GATEWAY_API_KEYS: `merchant-a:${hashApiKey('the-secret-key')}`,
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    gatewayConfigFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', retriable: false });
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the configuration to be refused');
}

describe('gatewayConfigFromEnv', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = gatewayConfigFromEnv(minimal);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dbPoolSize: 10,
      paymentsTopic: 'payments',
      paymentsPartitions: 6,
      bodyLimitBytes: 16_384,
      logLevel: 'info',
      migrateOnStart: false,
      relay: { batchSize: 500, pollIntervalMs: 500 },
      authorizationTtlMs: GATEWAY_DEFAULTS.authorizationTtlMs,
    });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.kafka.clientId).toBe('spr-producer-gateway');
    expect(config.apiKeys.map((k) => k.id)).toEqual(['merchant-a']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.relay)).toBe(true);
    expect(Object.isFrozen(config.apiKeys)).toBe(true);
  });

  it('reads every setting', () => {
    const config = gatewayConfigFromEnv({
      ...minimal,
      PORT: '0',
      HOST: '0.0.0.0',
      DB_POOL_SIZE: '25',
      PAYMENTS_TOPIC: 'payments.v2',
      PAYMENTS_PARTITIONS: '12',
      BODY_LIMIT_BYTES: '1024',
      LOG_LEVEL: 'DEBUG',
      MIGRATE_ON_START: 'true',
      RELAY_BATCH_SIZE: '100',
      RELAY_POLL_INTERVAL_MS: '250',
      AUTHORIZATION_TTL_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dbPoolSize: 25,
      paymentsTopic: 'payments.v2',
      paymentsPartitions: 12,
      bodyLimitBytes: 1024,
      logLevel: 'debug',
      migrateOnStart: true,
      relay: { batchSize: 100, pollIntervalMs: 250 },
      authorizationTtlMs: 60_000,
      shutdownTimeoutMs: 5_000,
    });
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      ...minimal,
      PORT: '80a',
      DB_POOL_SIZE: '0',
      PAYMENTS_PARTITIONS: '-1',
      PAYMENTS_TOPIC: 'no spaces',
      BODY_LIMIT_BYTES: '1.5',
      LOG_LEVEL: 'loud',
      MIGRATE_ON_START: 'yes',
    });
    expect(problems).toEqual([
      'PORT=80a must be an integer from 0 to 65535',
      'DB_POOL_SIZE=0 must be an integer from 1 to 1000',
      'PAYMENTS_TOPIC=no spaces is not a valid Kafka topic name',
      'PAYMENTS_PARTITIONS=-1 must be an integer from 1 to 100000',
      'BODY_LIMIT_BYTES=1.5 must be an integer from 256 to 67108864',
      'LOG_LEVEL=loud must be one of fatal, error, warn, info, debug, trace',
      'MIGRATE_ON_START=yes must be true or false',
    ]);
  });

  it('reads booleans and integers by the rules every app shares', () => {
    expect(gatewayConfigFromEnv({ ...minimal, MIGRATE_ON_START: '1' }).migrateOnStart).toBe(true);
    expect(gatewayConfigFromEnv({ ...minimal, MIGRATE_ON_START: 'FALSE' }).migrateOnStart).toBe(false);
    expect(
      problemsOf({
        ...minimal,
        PORT: '1e3',
        DB_POOL_SIZE: '0x10',
        RELAY_BATCH_SIZE: ' 12 ',
        SHUTDOWN_TIMEOUT_MS: '50',
      }),
    ).toEqual([
      'PORT=1e3 must be an integer from 0 to 65535',
      'DB_POOL_SIZE=0x10 must be an integer from 1 to 1000',
      'RELAY_BATCH_SIZE= 12  must be an integer from 1 to 10000',
      'SHUTDOWN_TIMEOUT_MS=50 must be an integer from 100 to 600000',
    ]);
  });

  it('names missing required variables, including those of the Kafka and registry settings', () => {
    const problems = problemsOf({});
    expect(problems).toEqual([
      expect.stringContaining('DATABASE_URL is not set'),
      'KAFKA_BROKERS is not set',
      'SCHEMA_REGISTRY_URL is not set',
      expect.stringContaining('GATEWAY_API_KEYS is not set'),
    ]);
  });

  it('never puts a secret in an error or in what it logs', () => {
    const problems = problemsOf({
      ...minimal,
      DATABASE_URL: 'mysql://u:s3cret-pw@h/db',
      GATEWAY_API_KEYS: 'merchant-a:the-secret-key',
    });
    expect(problems.join('\n')).not.toContain('s3cret-pw');
    expect(problems.join('\n')).not.toContain('the-secret-key');
    expect(problems).toContain('DATABASE_URL is not a postgres:// or postgresql:// URL');

    const described = JSON.stringify(describeConfig(gatewayConfigFromEnv(minimal)));
    expect(described).not.toContain('s3cret-pw');
    expect(described).not.toContain(hashApiKey('the-secret-key'));
    expect(described).toContain('postgres://spr:***@127.0.0.1:15432/spr');
    expect(redactUrl('http://u:p@h/x')).toBe('http://u:***@h/x');
  });
});
