#!/usr/bin/env node
/** The payment consumer process: config from the environment, SIGTERM/SIGINT drain and exit 0. */
import { createLogger, silenceKnownDependencyWarnings } from '@spr/observability';
import { paymentConsumerConfigFromEnv } from './config.ts';
import { createPaymentConsumer, type PaymentConsumer } from './payment-consumer.ts';

silenceKnownDependencyWarnings();
const bootLogger = createLogger({ service: 'payment-consumer' });
let consumer: PaymentConsumer | undefined;
let starting: Promise<unknown> = Promise.resolve();
let stopping = false;

// Handlers first: a SIGTERM while the consumer starts still drains and leaves the group, once it has started.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    bootLogger.info({ signal }, 'draining and stopping');
    starting
      .catch(() => undefined)
      .then(() => consumer?.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          bootLogger.error({ err: error }, 'stopping failed');
          process.exit(1);
        },
      );
  });
}

try {
  const config = paymentConsumerConfigFromEnv(process.env);
  const logger = createLogger({ service: 'payment-consumer', level: config.logLevel });
  const created = createPaymentConsumer(config, logger);
  consumer = created;
  created.runtime.events.once('crashed', ({ error }) => {
    logger.fatal({ err: error }, 'exiting: the runtime crashed');
    void created.stop().finally(() => process.exit(1));
  });
  starting = created.start();
  const { opsPort } = (await starting) as { opsPort: number };
  logger.info({ opsPort, topic: config.topic, groupId: config.groupId }, 'payment consumer running');
} catch (error) {
  bootLogger.fatal({ err: error }, 'payment consumer failed to start');
  await consumer?.stop().catch(() => undefined);
  process.exit(1);
}
