import { ConfigError } from '@spr/app-config';
import { describe, expect, it } from 'vitest';
import { paymentConsumerConfigFromEnv } from './config.ts';
import { stageTraceFromEnv } from './stage-trace.ts';

const minimal = {
  DATABASE_URL: 'postgres://spr:s3cret-pw@127.0.0.1:15432/spr',
  KAFKA_BROKERS: '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
};

describe('paymentConsumerConfigFromEnv', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = paymentConsumerConfigFromEnv(minimal);
    expect(config).toMatchObject({
      dbPoolSize: 8,
      topic: 'payments',
      groupId: 'payment-consumer',
      startFrom: 'earliest',
      opsPort: 9091,
      logLevel: 'info',
      migrateOnStart: false,
      shutdownTimeoutMs: 30_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads booleans and enumerations by the shared rules', () => {
    expect(
      paymentConsumerConfigFromEnv({ ...minimal, MIGRATE_ON_START: '1', LOG_LEVEL: 'DEBUG', START_FROM: 'Latest' }),
    ).toMatchObject({ migrateOnStart: true, logLevel: 'debug', startFrom: 'latest' });
  });

  it('names every bad variable, its own and Kafka’s, in one error without the database password', () => {
    let thrown: unknown;
    try {
      paymentConsumerConfigFromEnv({
        ...minimal,
        DATABASE_URL: 'mysql://spr:s3cret-pw@h/db',
        KAFKA_RETRIES: '0x10',
        CHUNK_MAX_EVENTS: '1e3',
        MIGRATE_ON_START: 'yes',
        LOG_LEVEL: 'loud',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      'DATABASE_URL is not a postgres:// or postgresql:// URL',
      'KAFKA_RETRIES=0x10 must be an integer >= 0',
      'CHUNK_MAX_EVENTS=1e3 must be an integer from 1 to 100000',
      'LOG_LEVEL=loud must be one of fatal, error, warn, info, debug, trace',
      'MIGRATE_ON_START=yes must be true or false',
    ]);
    expect((thrown as Error).message).not.toContain('s3cret-pw');
  });
});

describe('stageTraceFromEnv', () => {
  it('is off without a file, and reads its interval by the same integer rule', () => {
    expect(stageTraceFromEnv({ SPR_STAGE_TRACE_EVERY: '1e3' })).toBeUndefined();
    expect(() =>
      stageTraceFromEnv({ SPR_STAGE_TRACE_FILE: '/nonexistent/trace', SPR_STAGE_TRACE_EVERY: '1e3' }),
    ).toThrowError('SPR_STAGE_TRACE_EVERY=1e3 must be an integer >= 1');
  });
});
