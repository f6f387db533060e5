#!/usr/bin/env node
/**
 * `npm run demo`, the main job: starts the stack if needed, migrates a fresh schema, starts the three services
 * (their deployable bundles), drives a payments load through the gateway with client retries, duplicate requests
 * and a few illegal transitions, waits for the consumer to catch up, runs the reconciler, stops what it started,
 * and prints a summary whose last line is one JSON object.
 *
 * Options: --payments <n> (default 2000), --concurrency <n> (default 8), --seed <n>.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createPool, migrateDatabase } from '@spr/ledger-db';
import { findWorkspaceRoot, formatEndpoints, stackDown, stackUp } from '@spr/stack';
import hdr from 'hdr-histogram-js';
import { Kafka, logLevel } from 'kafkajs';
import { startCommitWatcher } from './commit-watcher.ts';
import { driveLoad } from './load-driver.ts';
import { freePort, startService, waitUntilReady, type ServiceProcess } from './service-process.ts';

const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    seed: { type: 'string' },
  },
});
const payments = Number(values.payments);
const concurrency = Number(values.concurrency);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (
  !Number.isInteger(payments) ||
  payments < 1 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  !Number.isInteger(seed)
) {
  process.stderr.write('usage: npm run demo -- [--payments <n>] [--concurrency <n>] [--seed <n>]\n');
  process.exit(2);
}

const root = findWorkspaceRoot();
const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);
const started = performance.now();
const services: ServiceProcess[] = [];
let stackStartedHere = false;

async function main(): Promise<Record<string, unknown> & { failed: boolean }> {
  say('starting the stack (Kafka, Apicurio Registry, PostgreSQL) if it is not running');
  const stack = await stackUp({ log: (line) => say(line) });
  stackStartedHere = stack.services.some((s) => s.state === 'started');
  process.stderr.write(formatEndpoints(stack.endpoints));

  say('building the three services (nx build: gateway, consumer, reconciler)');
  const build = spawnSync(
    'npx',
    [
      'nx',
      'run-many',
      '-t',
      'build',
      '-p',
      '@spr/producer-gateway',
      '@spr/payment-consumer',
      '@spr/reconciler',
      '--outputStyle=static',
    ],
    {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`building the services failed:\n${build.stdout}${build.stderr}`);

  // A fresh schema and topic per run: the summary describes this run only.
  const run = `demo_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const schema = 'spr_demo';
  const url = new URL(stack.endpoints.DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  const admin = createPool({ connectionString: stack.endpoints.DATABASE_URL, max: 1 });
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  const pool = createPool({ connectionString: databaseUrl, max: 4 });
  const migrated = await migrateDatabase(pool, { schema });
  say(`schema ${schema}: ${migrated.applied.length} migrations applied`);
  const topic = `payments-${run}`;
  const kafka = new Kafka({
    clientId: 'spr-demo',
    brokers: [stack.endpoints.KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  say(`topic ${topic}: 6 partitions`);

  const apiKey = randomBytes(16).toString('hex');
  const [gatewayPort, consumerOps] = [await freePort(), await freePort()];
  const common = {
    KAFKA_BROKERS: stack.endpoints.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: stack.endpoints.SCHEMA_REGISTRY_URL,
    DATABASE_URL: databaseUrl,
    PAYMENTS_TOPIC: topic,
    LOG_LEVEL: 'warn',
  };
  const gateway = startService('producer-gateway', join(root, 'apps/producer-gateway/dist/main.mjs'), [], {
    ...common,
    PORT: String(gatewayPort),
    GATEWAY_API_KEYS: `demo:${createHash('sha256').update(apiKey).digest('hex')}`,
    DB_POOL_SIZE: '16',
  });
  services.push(gateway);
  const consumer = startService('payment-consumer', join(root, 'apps/payment-consumer/dist/main.mjs'), [], {
    ...common,
    OPS_PORT: String(consumerOps),
    CONSUMER_GROUP: `payment-consumer-${run}`,
  });
  services.push(consumer);
  await waitUntilReady(gateway, `http://127.0.0.1:${gatewayPort}/readyz`);
  await waitUntilReady(consumer, `http://127.0.0.1:${consumerOps}/readyz`);
  say(`gateway on 127.0.0.1:${gatewayPort}, consumer ops on 127.0.0.1:${consumerOps}`);

  say(`driving ${payments} payments through the gateway (${concurrency} concurrent clients, seed ${seed})`);
  const watcher = startCommitWatcher(pool);
  const loadStart = performance.now();
  let lastReport = 0;
  const load = await driveLoad(
    {
      baseUrl: `http://127.0.0.1:${gatewayPort}`,
      apiKey,
      payments,
      concurrency,
      seed,
      onEvent: (id, at) => watcher.expect(id, at),
    },
    (done) => {
      if (performance.now() - lastReport > 2_000 || done === payments) {
        lastReport = performance.now();
        say(
          `payments ${done}/${payments} · events in the ledger ${watcher.latencies.length} · waiting ${watcher.waiting}`,
        );
      }
    },
  );
  say(
    `load done in ${((performance.now() - loadStart) / 1000).toFixed(1)}s: ${load.requests} requests, ${load.accepted} events; waiting for the consumer to catch up`,
  );
  const deadline = Date.now() + 120_000;
  while (watcher.waiting > 0 && Date.now() < deadline) await sleep(50);
  await watcher.stop();
  if (watcher.waiting > 0) say(`${watcher.waiting} events did not reach the ledger within 120 s`);
  const endToEnd = (watcher.lastSeenAt - loadStart) / 1000;

  await gateway.stop();
  await consumer.stop();
  services.length = 0;

  say('reconciling the ledger against the log');
  const reconciler = spawnSync(process.execPath, [join(root, 'apps/reconciler/dist/main.mjs'), '--json'], {
    env: { ...process.env, ...common, CONSUMER_GROUP: `payment-consumer-${run}` },
    encoding: 'utf8',
  });
  const report = JSON.parse(reconciler.stdout.trim().split('\n').at(-1) ?? '{}') as {
    report?: { status: string; counts: Record<string, number> };
  };
  const reconciliation = report.report?.status ?? 'drift';
  if (!report.report) say(`the reconciler failed:\n${reconciler.stderr}`);

  const deadLetters = Number((await pool.query<{ n: string }>('select count(*) as n from dead_letters')).rows[0]!.n);
  await pool.end();
  await kafkaAdmin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await kafkaAdmin.disconnect();

  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const ms of watcher.latencies) histogram.recordValue(Math.max(1, Math.round(ms)));
  const summary = {
    events: watcher.latencies.length,
    throughputPerSec: Math.round(watcher.latencies.length / endToEnd),
    p50Ms: histogram.getValueAtPercentile(50),
    p99Ms: histogram.getValueAtPercentile(99),
    deadLetters,
    reconciliation,
  };
  process.stderr.write(
    [
      '',
      '── SPR demo ─────────────────────────────────────────────',
      `payments             ${payments} (seed ${seed})`,
      `HTTP requests        ${load.requests}`,
      `events accepted      ${load.accepted} (published through the outbox, applied by the consumer)`,
      `client retries       ${load.retriesReplayed} answered from the idempotency record`,
      `duplicate requests   ${load.duplicatesAbsorbed} absorbed (one processed, the twin refused or replayed)`,
      `illegal transitions  ${load.illegalRefused} refused with 409`,
      `unexpected answers   ${load.unexpected.length}${load.unexpected.length ? `: ${JSON.stringify(load.unexpected.slice(0, 3))}` : ''}`,
      `events in the ledger ${summary.events} in ${endToEnd.toFixed(1)} s (${summary.throughputPerSec}/s)`,
      `latency HTTP→ledger  p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms (seen by a 10 ms poll)`,
      `dead letters         ${deadLetters}`,
      `reconciliation       ${reconciliation}${report.report ? ` (${JSON.stringify(report.report.counts)})` : ''}`,
      `total time           ${((performance.now() - started) / 1000).toFixed(0)} s; schema ${schema} kept for inspection`,
      '',
    ].join('\n'),
  );
  if (load.unexpected.length > 0) say(`${load.unexpected.length} unexpected answers from the gateway: the demo fails`);
  return { ...summary, failed: load.unexpected.length > 0 || watcher.waiting > 0 };
}

async function cleanup(): Promise<void> {
  for (const service of services.reverse()) await service.stop().catch(() => undefined);
  if (stackStartedHere && process.env.SPR_KEEP_STACK !== '1') {
    say('stopping the stack this demo started (SPR_KEEP_STACK=1 keeps it)');
    await stackDown({ log: say });
  }
}

process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
try {
  const { failed, ...summary } = await main();
  await cleanup();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = summary.reconciliation === 'clean' && !failed ? 0 : 1;
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  await cleanup();
  process.exitCode = 1;
}
