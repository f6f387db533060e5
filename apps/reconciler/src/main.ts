#!/usr/bin/env node
/**
 * reconcile [--json] [--repair [--wait <seconds>]] [--every <seconds>]
 *
 * Checks the ledger against the payments log and prints a table (or JSON with --json); exits 1 on drift.
 * --repair resets the stored offsets of partitions with missing events so the running consumer replays them,
 * waits, and shows the report before and after. --every runs on a schedule and serves /metrics.
 */
import { parseArgs } from 'node:util';
import { createPaymentCodec } from '@spr/contracts';
import { createPool } from '@spr/ledger-db';
import { createLogger, createMetricsRegistry, createOpsServer, silenceKnownDependencyWarnings } from '@spr/observability';
import { createKafkaClient, createSchemaRegistryClient } from '@spr/routing';
import { reconcilerConfigFromEnv } from './config.ts';
import { formatReport } from './format-report.ts';
import { checkLedger, repairByReplay, type ReconcilerDeps } from './reconciler.ts';
import { createReconcilerMetrics } from './reconciler-metrics.ts';
import type { ReconciliationReport } from './reconcile.ts';

silenceKnownDependencyWarnings();
const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, repair: { type: 'boolean', default: false }, wait: { type: 'string', default: '120' }, every: { type: 'string' } },
});
const waitSeconds = Number(values.wait);
const everySeconds = values.every === undefined ? undefined : Number(values.every);
if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || (everySeconds !== undefined && !(everySeconds > 0))) {
  process.stderr.write('usage: reconcile [--json] [--repair [--wait <seconds>]] [--every <seconds>]\n');
  process.exit(2);
}

const config = reconcilerConfigFromEnv(process.env);
const logger = createLogger({ service: 'reconciler', level: config.logLevel });
const pool = createPool({ connectionString: config.databaseUrl, max: 2, application_name: 'reconciler' });
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
  process.stdout.write(values.json ? `${json({ [label]: report })}\n` : `\n== ${label} ==\n${formatReport(report)}\n`);

async function once(): Promise<ReconciliationReport> {
  const before = await checkLedger(deps);
  if (!values.repair || before.status === 'clean') {
    print('report', before);
    return before;
  }
  print('before', before);
  const repaired = await repairByReplay(deps, before, { waitMs: waitSeconds * 1000 });
  print('after', repaired.after);
  if (repaired.reset.length === 0) process.stderr.write('[reconcile] nothing replay can repair: the remaining drift needs a person (see the issues)\n');
  return repaired.after;
}

try {
  if (everySeconds === undefined) {
    const report = await once();
    process.exitCode = report.status === 'drift' ? 1 : 0;
  } else {
    const registry = createMetricsRegistry({ service: 'reconciler' });
    const metrics = createReconcilerMetrics(registry);
    let healthy = true;
    const ops = createOpsServer({ host: config.opsHost, port: config.opsPort, registry, health: () => ({ ok: healthy }), readiness: () => ({ ok: true }) });
    const { port } = await ops.start();
    logger.info({ opsPort: port, everySeconds }, 'reconciling on a schedule');
    const stop = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
    while (!stop.signal.aborted) {
      try {
        const report = await once();
        metrics.record(report);
        healthy = true;
        logger.info({ status: report.status, counts: report.counts }, 'reconciliation finished');
      } catch (error) {
        healthy = false;
        logger.error({ err: error }, 'reconciliation failed; trying again at the next run');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everySeconds * 1000);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    await ops.stop();
  }
} catch (error) {
  process.stderr.write(`[reconcile] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
