#!/usr/bin/env node
/** The payment consumer process: config from the environment, SIGTERM/SIGINT drain and exit 0. */
import { createLogger, silenceKnownDependencyWarnings } from '@spr/observability';
import { paymentConsumerConfigFromEnv } from './config.ts';
import { createPaymentConsumer } from './payment-consumer.ts';

silenceKnownDependencyWarnings();
const bootLogger = createLogger({ service: 'payment-consumer' });
let consumer: ReturnType<typeof createPaymentConsumer>;
try {
  const config = paymentConsumerConfigFromEnv(process.env);
  const logger = createLogger({ service: 'payment-consumer', level: config.logLevel });
  consumer = createPaymentConsumer(config, logger);
  const { opsPort } = await consumer.start();
  logger.info({ opsPort, topic: config.topic, groupId: config.groupId }, 'payment consumer running');
  consumer.runtime.events.once('crashed', ({ error }) => {
    logger.fatal({ err: error }, 'exiting: the runtime crashed');
    void consumer.stop().finally(() => process.exit(1));
  });
} catch (error) {
  bootLogger.fatal({ err: error }, 'payment consumer failed to start');
  process.exit(1);
}

let shutting = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (shutting) return;
    shutting = true;
    bootLogger.info({ signal }, 'draining and stopping');
    consumer.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        bootLogger.error({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  });
}
