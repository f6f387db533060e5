#!/usr/bin/env node
/**
 * The payment consumer process: config from the environment, SIGTERM/SIGINT drain and exit 0 (runService: exit 1
 * on a fatal error, 2 on bad configuration).
 */
import { runService } from '@spr/app-config';
import { createLogger, silenceKnownDependencyWarnings } from '@spr/observability';
import { paymentConsumerConfigFromEnv } from './config.ts';
import { createPaymentConsumer } from './payment-consumer.ts';

const SERVICE = 'payment-consumer';

silenceKnownDependencyWarnings();
void runService(
  async (service) => {
    const config = paymentConsumerConfigFromEnv(process.env);
    const logger = createLogger({ service: SERVICE, level: config.logLevel });
    service.configure({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });
    const consumer = createPaymentConsumer(config, logger);
    // Registered before start: a SIGTERM while starting still drains and leaves the group, once it has started.
    service.onStop(() => consumer.stop());
    consumer.runtime.events.once('crashed', ({ error }) => service.fail(error, 'exiting: the runtime crashed'));
    const { opsPort } = await consumer.start();
    logger.info({ opsPort, topic: config.topic, groupId: config.groupId }, 'payment consumer running');
  },
  { name: SERVICE, logger: createLogger({ service: SERVICE }) },
);
