import { ConfigError } from '@spr/app-config';
import { describe, expect, it } from 'vitest';
import { kafkaConfigFromEnv, schemaRegistryConfigFromEnv } from './client-config.ts';

describe('kafkaConfigFromEnv', () => {
  it('parses brokers and applies defaults', () => {
    const config = kafkaConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:19092, kafka:9092' }, 'gateway');
    expect(config).toMatchObject({
      brokers: ['127.0.0.1:19092', 'kafka:9092'],
      clientId: 'gateway',
      tls: false,
      sasl: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names what is wrong', () => {
    expect(() => kafkaConfigFromEnv({}, 'x')).toThrowError('KAFKA_BROKERS is not set');
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'localhost' }, 'x')).toThrowError(
      "KAFKA_BROKERS entry 'localhost' is not host:port",
    );
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'gssapi' }, 'x')).toThrowError(
      /KAFKA_SASL_MECHANISM=gssapi must be one of plain/,
    );
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' }, 'x')).toThrowError(
      'KAFKA_SASL_USERNAME is not set',
    );
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS: 'yes' }, 'x')).toThrowError(
      'KAFKA_TLS=yes must be true or false',
    );
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS_CA_FILE: '/nope.pem' }, 'x')).toThrowError(
      /KAFKA_TLS_CA_FILE=\/nope.pem cannot be read/,
    );
    expect(() => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_RETRIES: '-1' }, 'x')).toThrowError(
      'KAFKA_RETRIES=-1 must be an integer >= 0',
    );
  });

  it(
    'reads integers strictly (no exponent, hex or spaces), booleans as true/false or 1/0, ' +
      'and names every problem at once',
    () => {
      for (const bad of ['1e3', '0x10', ' 12 ', '1.5']) {
        expect(
          () => kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_REQUEST_TIMEOUT_MS: bad }, 'x'),
          bad,
        ).toThrowError(`KAFKA_REQUEST_TIMEOUT_MS=${bad} must be an integer >= 0`);
      }
      expect(
        kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS: '1', KAFKA_CONNECTION_TIMEOUT_MS: '1000' }, 'x'),
      ).toMatchObject({ tls: true, connectionTimeoutMs: 1000 });
      expect(kafkaConfigFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TLS: 'FALSE' }, 'x').tls).toBe(false);
      let thrown: unknown;
      try {
        kafkaConfigFromEnv(
          {
            KAFKA_BROKERS: 'a:1,b',
            KAFKA_TLS: 'yes',
            KAFKA_RETRIES: '1e3',
            KAFKA_SASL_MECHANISM: 'plain',
            KAFKA_SASL_USERNAME: 'u',
          },
          'x',
        );
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).problems).toEqual([
        "KAFKA_BROKERS entry 'b' is not host:port",
        'KAFKA_TLS=yes must be true or false',
        'KAFKA_SASL_PASSWORD is not set',
        'KAFKA_RETRIES=1e3 must be an integer >= 0',
      ]);
    },
  );

  it('never repeats the SASL password', () => {
    const error = (() => {
      try {
        kafkaConfigFromEnv(
          {
            KAFKA_BROKERS: 'a:1',
            KAFKA_SASL_MECHANISM: 'gssapi',
            KAFKA_SASL_USERNAME: 'u',
            KAFKA_SASL_PASSWORD: 's3cret',
          },
          'x',
        );
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/KAFKA_SASL_MECHANISM=gssapi/);
    expect(error?.message).not.toContain('s3cret');
  });

  it('takes SASL credentials', () => {
    const config = kafkaConfigFromEnv(
      {
        KAFKA_BROKERS: 'a:1',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_TLS: 'true',
      },
      'x',
    );
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(config.tls).toBe(true);
  });
});

describe('schemaRegistryConfigFromEnv', () => {
  it('requires a URL', () => {
    expect(() => schemaRegistryConfigFromEnv({})).toThrowError('SCHEMA_REGISTRY_URL is not set');
    expect(() => schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'registry' })).toThrowError(
      'SCHEMA_REGISTRY_URL is not an http:// or https:// URL',
    );
    expect(() => schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'ftp://u:s3cret@h/' })).toThrowError(
      /^SCHEMA_REGISTRY_URL is not an http:\/\/ or https:\/\/ URL$/,
    );
    expect(() =>
      schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'http://h', SCHEMA_REGISTRY_TIMEOUT_MS: '5s' }),
    ).toThrowError('SCHEMA_REGISTRY_TIMEOUT_MS=5s must be an integer >= 0');
    expect(schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7' })).toEqual({
      url: 'http://127.0.0.1:18081/apis/ccompat/v7',
      username: undefined,
      password: undefined,
      requestTimeoutMs: undefined,
    });
    expect(
      schemaRegistryConfigFromEnv({ SCHEMA_REGISTRY_URL: 'https://r', SCHEMA_REGISTRY_TIMEOUT_MS: '2000' })
        .requestTimeoutMs,
    ).toBe(2000);
  });
});
