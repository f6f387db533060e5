import { describe, expect, it } from 'vitest';
import { kafkaConfigFromEnv, schemaRegistryConfigFromEnv } from './client-config.ts';

describe('kafkaConfigFromEnv', () => {
  it('parses brokers and applies defaults', () => {
    const config = kafkaConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:19092, kafka:9092' }, 'gateway');
    expect(config).toMatchObject({ brokers: ['127.0.0.1:19092', 'kafka:9092'], clientId: 'gateway', tls: false, sasl: undefined });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names what is wrong', () => {
    expect(() => kafkaConfigFromEnv({}, 'x')).toThrowError('KAFKA_BROKERS is not set');
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'localhost' }, 'x')).toThrowError("KAFKA_BROKERS entry 'localhost' is not host:port");
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'gssapi' }, 'x')).toThrowError(/KAFKA_SASL_MECHANISM=gssapi must be one of plain/);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' }, 'x')).toThrowError('KAFKA_SASL_USERNAME is not set');
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS: 'yes' }, 'x')).toThrowError('KAFKA_TLS=yes must be true or false');
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS_CA_FILE: '/nope.pem' }, 'x')).toThrowError(/KAFKA_TLS_CA_FILE=\/nope.pem cannot be read/);
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_RETRIES: '-1' }, 'x')).toThrowError('KAFKA_RETRIES=-1 is not a non-negative integer');
  });

  it('takes SASL credentials', () => {
    const config = kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_TLS: 'true' }, 'x');
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(config.tls).toBe(true);
  });
});

describe('schemaRegistryConfigFromEnv', () => {
  it('requires a URL', () => {
    expect(() => schemaRegistryConfigFromEnv({})).toThrowError('SCHEMA_REGISTRY_URL is not set');
    expect(() => schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'registry' })).toThrowError('SCHEMA_REGISTRY_URL=registry is not a URL');
    expect(schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7' }).url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
  });
});
