import { createConsumerRuntime, faultInjectorFromEnv, type ConsumerRuntime } from '@spr/consumer-runtime';
import { createPaymentCodec } from '@spr/contracts';
import { createPool, migrateDatabase, withSessionSettings } from '@spr/ledger-db';
import { createMetricsRegistry, createOpsServer, type Logger } from '@spr/observability';
import { createKafkaClient, createSchemaRegistryClient } from '@spr/routing';
import type pg from 'pg';
import { createLedgerHandler, createPaymentDecoder } from '@spr/payments-ledger';
import type { PaymentConsumerConfig } from './config.ts';
import { stageTraceFromEnv } from './stage-trace.ts';

export interface PaymentConsumer {
  start(): Promise<{ opsPort: number }>;
  /** Drains the chunk in flight, leaves the group, closes the pool. Idempotent. */
  stop(): Promise<void>;
  readonly runtime: ConsumerRuntime;
  readonly pool: pg.Pool;
}

/** Wires the payment consumer: pool, Kafka, registry codec, the runtime with the ledger handler, ops endpoints. */
export function createPaymentConsumer(
  config: PaymentConsumerConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): PaymentConsumer {
  const pool = createPool(
    {
      connectionString: withSessionSettings(config.databaseUrl, {
        idle_in_transaction_session_timeout: config.idleInTransactionTimeoutMs,
      }),
      max: config.dbPoolSize,
      application_name: 'payment-consumer',
    },
    (error) => logger.warn({ err: error }, 'a PostgreSQL connection failed; its work is retried on a new one'),
  );
  const registry = createMetricsRegistry({ service: 'payment-consumer' });
  const kafka = createKafkaClient(config.kafka, logger.child({ component: 'kafkajs' }));
  const codec = createPaymentCodec({ registry: createSchemaRegistryClient(config.registry), topic: config.topic });
  const stageTrace = stageTraceFromEnv(env);
  const runtime = createConsumerRuntime({
    kafka,
    pool,
    groupId: config.groupId,
    topic: config.topic,
    decoder: createPaymentDecoder(codec),
    handler: createLedgerHandler(),
    logger,
    metrics: registry,
    startFrom: config.startFrom,
    chunk: { maxEvents: config.chunkMaxEvents },
    queueMaxBytesPerPartition: config.queueMaxBytesPerPartition,
    sessionTimeoutMs: config.sessionTimeoutMs,
    stallAfterMs: config.stallAfterMs,
    backpressure: config.backpressure,
    fetch: { maxBytes: config.fetchMaxBytes, maxBytesPerPartition: config.fetchMaxBytesPerPartition },
    faults: faultInjectorFromEnv(env, (point) => logger.warn({ point }, 'fault injection: dying here')),
    stageTrace,
  });
  const ops = createOpsServer({
    host: config.opsHost,
    port: config.opsPort,
    registry,
    health: () => runtime.health(),
    readiness: () => runtime.readiness(),
  });
  let stopped = false;

  return {
    runtime,
    pool,
    async start() {
      if (config.migrateOnStart) await migrateDatabase(pool, { log: (line) => logger.info(line) });
      const { port } = await ops.start();
      await runtime.start();
      return { opsPort: port };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await runtime.stop();
      await ops.stop();
      await pool.end();
      await stageTrace?.close();
    },
  };
}
