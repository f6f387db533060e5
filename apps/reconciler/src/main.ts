#!/usr/bin/env node
/**
 * reconcile [--json] [--repair [--wait <seconds>]] [--every <seconds>]
 *
 * Checks the ledger against the payments log and prints a table (or JSON with --json); exits 1 on drift.
 * --repair resets the stored offsets of partitions with missing events so the running consumer replays them,
 * waits, and shows the report before and after. --every runs on a schedule and serves /metrics.
 * Exit codes (runService): 0 clean (or stopped), 1 drift or a failure, 2 bad configuration or usage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ConfigError, EXIT_CODES, runService } from '@spr/app-config';
import { createPaymentCodec } from '@spr/contracts';
import { createPool } from '@spr/ledger-db';
import {
  createLogger,
  createMetricsRegistry,
  createOpsServer,
  silenceKnownDependencyWarnings,
} from '@spr/observability';
import { createKafkaClient, createSchemaRegistryClient } from '@spr/routing';
import { reconcilerConfigFromEnv } from './config.ts';
import { formatReport } from './format-report.ts';
import { checkLedger, repairByReplay, type ReconcilerDeps } from './reconciler.ts';
import { createReconcilerMetrics } from './reconciler-metrics.ts';
import type { ReconciliationReport } from './reconcile.ts';

const SERVICE = 'reconciler';
const USAGE = 'usage: reconcile [--json] [--repair [--wait <seconds>]] [--every <seconds>]';
/** A check that found drift exits like a failure: either way, a person must look. */
const DRIFT_EXIT_CODE = EXIT_CODES.fatal;

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        repair: { type: 'boolean', default: false },
        wait: { type: 'string', default: '120' },
        every: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ConfigError([`${(error as Error).message}\n${USAGE}`]);
  }
  const waitSeconds = Number(values.wait);
  const everySeconds = values.every === undefined ? undefined : Number(values.every);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || (everySeconds !== undefined && !(everySeconds > 0)))
    throw new ConfigError([USAGE]);
  return { json: values.json, repair: values.repair, waitSeconds, everySeconds };
}

silenceKnownDependencyWarnings();
void runService(
  async (service) => {
    const options = parseOptions();
    const config = reconcilerConfigFromEnv(process.env);
    const logger = createLogger({ service: SERVICE, level: config.logLevel });
    service.configure({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });
    const pool = createPool({ connectionString: config.databaseUrl, max: 2, application_name: 'reconciler' });
    service.onStop(() => pool.end());
    const deps: ReconcilerDeps = {
      kafka: createKafkaClient(config.kafka, logger.child({ component: 'kafkajs' })),
      pool,
      codec: createPaymentCodec({ registry: createSchemaRegistryClient(config.registry), topic: config.topic }),
      topic: config.topic,
      groupId: config.groupId,
      progress: (line) => process.stderr.write(`[reconcile] ${line}\n`),
    };
    const json = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
    const print = (label: string, report: ReconciliationReport) =>
      process.stdout.write(
        options.json ? `${json({ [label]: report })}\n` : `\n== ${label} ==\n${formatReport(report)}\n`,
      );

    async function once(): Promise<ReconciliationReport> {
      const before = await checkLedger(deps);
      if (!options.repair || before.status === 'clean') {
        print('report', before);
        return before;
      }
      print('before', before);
      const repaired = await repairByReplay(deps, before, { waitMs: options.waitSeconds * 1000 });
      print('after', repaired.after);
      if (repaired.reset.length === 0)
        process.stderr.write(
          '[reconcile] nothing replay can repair: the remaining drift needs a person (see the issues)\n',
        );
      return repaired.after;
    }

    if (options.everySeconds === undefined) {
      try {
        const report = await once();
        return report.status === 'drift' ? DRIFT_EXIT_CODE : EXIT_CODES.clean;
      } catch (error) {
        process.stderr.write(`[reconcile] failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT_CODES.fatal;
      }
    }

    const everySeconds = options.everySeconds;
    const registry = createMetricsRegistry({ service: SERVICE });
    const metrics = createReconcilerMetrics(registry);
    let healthy = true;
    const ops = createOpsServer({
      host: config.opsHost,
      port: config.opsPort,
      registry,
      health: () => ({ ok: healthy }),
      readiness: () => ({ ok: true }),
    });
    service.onStop(() => ops.stop());
    const { port } = await ops.start();
    logger.info({ opsPort: port, everySeconds }, 'reconciling on a schedule');
    // A stop lets the run in progress finish; the wait for the next one ends at once.
    const schedule = (async () => {
      while (!service.stopping.aborted) {
        try {
          const report = await once();
          metrics.record(report);
          healthy = true;
          logger.info({ status: report.status, counts: report.counts }, 'reconciliation finished');
        } catch (error) {
          healthy = false;
          logger.error({ err: error }, 'reconciliation failed; trying again at the next run');
        }
        await sleep(everySeconds * 1000, undefined, { signal: service.stopping }).catch(() => undefined);
      }
    })();
    service.onStop(() => schedule);
  },
  { name: SERVICE, logger: createLogger({ service: SERVICE }) },
);
