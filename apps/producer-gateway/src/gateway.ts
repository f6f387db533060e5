import { createPaymentCodec } from '@spr/contracts';
import { createPool, migrateDatabase } from '@spr/ledger-db';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@spr/observability';
import { createKafkaClient, createSchemaRegistryClient, createSequencedProducer } from '@spr/routing';
import packageJson from '../package.json' with { type: 'json' };
import type { GatewayConfig } from './config.ts';
import { GatewayError } from './gateway-error.ts';
import { createHttpServer, type Readiness } from './http-server.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { createPaymentStore } from './payment-store.ts';

export interface GatewayDeps {
  /** Default: JSON lines on stdout at config.logLevel. */
  readonly logger?: Logger;
  /** Default: a registry of its own with Node's process metrics. */
  readonly metrics?: Registry;
  /** Where MIGRATE_ON_START finds the migrations; default: @spr/ledger-db's (the bundle passes its copy). */
  readonly migrationsDir?: string;
}

export interface Gateway {
  /** Migrates (if configured), starts the producer, the relay and the HTTP server; resolves with the port. */
  start(): Promise<{ readonly port: number }>;
  /**
   * In reverse order: stops taking requests and waits for those in flight, stops the relay once it has
   * published what is committed, stops the producer, ends the pool. Idempotent.
   */
  stop(): Promise<void>;
  /** Whether this instance's relay is the active one (the others stand by). */
  readonly relayLeader: boolean;
}

export const GATEWAY_SERVICE = 'producer-gateway';
const READINESS_TIMEOUT_MS = 2_000;

/** The whole gateway, built from its config; nothing connects before start(). It owns and closes everything it creates. */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const logger = deps.logger ?? createLogger({ service: GATEWAY_SERVICE, level: config.logLevel });
  const metrics = deps.metrics ?? createMetricsRegistry({ service: GATEWAY_SERVICE });
  const pool = createPool(
    { connectionString: config.databaseUrl, max: config.dbPoolSize, application_name: GATEWAY_SERVICE },
    (error) => logger.warn({ err: error }, 'an idle database connection failed'),
  );
  const kafka = createKafkaClient(config.kafka, logger.child({ component: 'kafka' }));
  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient(config.schemaRegistry),
    topic: config.paymentsTopic,
  });
  const producer = createSequencedProducer({
    kafka,
    topic: config.paymentsTopic,
    partitionCount: config.paymentsPartitions,
    encoder: codec,
  });
  const store = createPaymentStore({ pool, authorizationTtlMs: config.authorizationTtlMs });
  const relay = createOutboxRelay({
    connection: { connectionString: config.databaseUrl, application_name: `${GATEWAY_SERVICE}-relay` },
    pool,
    publisher: producer,
    logger: logger.child({ component: 'outbox-relay' }),
    metrics,
    batchSize: config.relay.batchSize,
    pollIntervalMs: config.relay.pollIntervalMs,
  });
  let producerStarted = false;

  const readiness = async (): Promise<Readiness> => {
    const database = await withTimeout(store.ping(), READINESS_TIMEOUT_MS).then(
      () => 'ok',
      (error: unknown) => `unavailable: ${error instanceof Error ? error.message : String(error)}`,
    );
    const checks = {
      database,
      producer: producerStarted ? 'started' : 'not started',
      relay: relay.leader ? 'active' : 'standby',
    };
    return { ok: database === 'ok' && producerStarted, checks };
  };

  const http = createHttpServer({
    host: config.host,
    port: config.port,
    bodyLimitBytes: config.bodyLimitBytes,
    apiKeys: config.apiKeys,
    store,
    logger,
    metrics,
    readiness,
    version: packageJson.version,
  });

  let state: 'new' | 'starting' | 'started' | 'stopped' = 'new';
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      if (state !== 'new') throw new GatewayError('STOPPED', `start() called on a gateway that is ${state}`);
      state = 'starting';
      if (config.migrateOnStart) {
        const result = await migrateDatabase(pool, {
          ...(deps.migrationsDir && { migrationsDir: deps.migrationsDir }),
          log: (line) => logger.info(line),
        });
        logger.info({ schema: result.schema, applied: result.applied }, 'migrations applied');
      }
      await producer.start();
      // Registers (idempotently) and caches every schema id: the first publish does not wait on the registry.
      await codec.registerAll();
      producerStarted = true;
      await relay.start();
      const { port } = await http.start();
      state = 'started';
      logger.info({ port, topic: config.paymentsTopic }, 'producer gateway started');
      return { port };
    },

    stop() {
      stopping ??= (async () => {
        state = 'stopped';
        await http.stop();
        await relay.stop();
        producerStarted = false;
        await producer.stop();
        await pool.end();
        logger.info('producer gateway stopped');
      })();
      return stopping;
    },

    get relayLeader() {
      return relay.leader;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
