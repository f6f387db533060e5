#!/usr/bin/env node
/**
 * The producer gateway process: config from the environment, the gateway started, and on SIGTERM or SIGINT a
 * graceful stop in reverse order, then exit 0. Exit 2 on bad configuration, 1 when starting fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, silenceKnownDependencyWarnings } from '@spr/observability';
import { describeConfig, gatewayConfigFromEnv, type GatewayConfig } from './config.ts';
import { createGateway, GATEWAY_SERVICE } from './gateway.ts';

silenceKnownDependencyWarnings();
let config: GatewayConfig;
try {
  config = gatewayConfigFromEnv(process.env);
} catch (error) {
  process.stderr.write(`${GATEWAY_SERVICE}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

const logger = createLogger({ service: GATEWAY_SERVICE, level: config.logLevel });
// The bundle (dist/main.mjs) carries the migrations beside it; run from source, @spr/ledger-db's own are used.
const bundledMigrations = join(import.meta.dirname, 'migrations');
const gateway = createGateway(config, { logger, ...(existsSync(join(bundledMigrations, 'meta', '_journal.json')) && { migrationsDir: bundledMigrations }) });

let started: Promise<unknown> = Promise.resolve();
let exiting = false;
const shutdown = async (signal: string) => {
  if (exiting) return;
  exiting = true;
  logger.info({ signal }, 'stopping');
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful stop took too long; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  await started.catch(() => undefined);
  try {
    await gateway.stop();
    clearTimeout(deadline);
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'stopping failed');
    process.exit(1);
  }
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

logger.info({ config: describeConfig(config) }, 'starting');
started = gateway.start();
try {
  await started;
} catch (error) {
  logger.fatal({ err: error }, 'the gateway could not start');
  await gateway.stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'cleaning up after a failed start failed'));
  process.exit(1);
}
