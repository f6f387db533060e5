#!/usr/bin/env node
/**
 * The producer gateway process: config from the environment, the gateway started, and on SIGTERM or SIGINT a
 * graceful stop in reverse order, then exit 0 (runService: exit 2 on bad configuration, 1 when starting fails or
 * the stop passes SHUTDOWN_TIMEOUT_MS).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runService } from '@spr/app-config';
import { createLogger, silenceKnownDependencyWarnings } from '@spr/observability';
import { describeConfig, gatewayConfigFromEnv } from './config.ts';
import { createGateway, GATEWAY_SERVICE } from './gateway.ts';

silenceKnownDependencyWarnings();
void runService(
  async (service) => {
    const config = gatewayConfigFromEnv(process.env);
    const logger = createLogger({ service: GATEWAY_SERVICE, level: config.logLevel });
    service.configure({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });
    // The bundle (dist/main.mjs) carries the migrations beside it; run from source, @spr/ledger-db's own are used.
    const bundledMigrations = join(import.meta.dirname, 'migrations');
    const gateway = createGateway(config, {
      logger,
      ...(existsSync(join(bundledMigrations, 'meta', '_journal.json')) && { migrationsDir: bundledMigrations }),
    });
    service.onStop(() => gateway.stop());
    logger.info({ config: describeConfig(config) }, 'starting');
    await gateway.start();
  },
  { name: GATEWAY_SERVICE, logger: createLogger({ service: GATEWAY_SERVICE }) },
);
