import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import type { Kafka } from 'kafkajs';
import { withClient, withSearchPath } from './arm-schema.ts';
import type { BenchContext } from './bench-context.ts';
import { benchName } from './bench-names.ts';
import { stopChild } from './bench-resources.ts';
import { epochNow, sleep } from './clock.ts';
import { createBenchTopic, topicEnds } from './produce-backlog.ts';
import { cpuDelta, cpuSnapshot } from './process-stats.ts';

export type GatewayRun =
  | {
      readonly status: 'ok';
      readonly clients: number;
      readonly durationSec: number;
      /** Write requests answered 2xx per second (each writes state, seq and an outbox row in one transaction). */
      readonly requestsPerSec: number;
      readonly accepted: number;
      readonly byStatus: Readonly<Record<string, number>>;
      readonly requestP50Ms: number;
      readonly requestP99Ms: number;
      /** Events the outbox relay published to Kafka, and how long after the load began the last one landed. */
      readonly eventsPublished: number;
      readonly publishedPerSec: number;
      readonly gatewayCpuSec: number;
      readonly nodeCpuUsPerRequest: number;
    }
  | { readonly status: 'skipped'; readonly reason: string };

const REFUNDS_PER_PAYMENT = 5;

/**
 * Arm G: the producer gateway's HTTP API under closed-loop load (`clients` concurrent clients, each walking
 * payments through initiate, authorize, capture and a few refunds, every write with its own Idempotency-Key),
 * then the outbox relay's publishing to Kafka. Skipped, with the reason, when the gateway cannot be built or
 * started: no number is made up.
 */
export async function runGateway(ctx: BenchContext, kafka: Kafka): Promise<GatewayRun> {
  const appDir = join(ctx.workspaceRoot, 'apps', 'producer-gateway');
  if (!existsSync(join(appDir, 'package.json')))
    return { status: 'skipped', reason: 'gateway not available: apps/producer-gateway does not exist' };
  ctx.log('building the producer gateway (npx nx run @spr/producer-gateway:build)…');
  const build = spawnSync('npx', ['nx', 'run', '@spr/producer-gateway:build', '--outputStyle=stream'], {
    cwd: ctx.workspaceRoot,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const main = join(appDir, 'dist', 'main.mjs');
  if (build.status !== 0 || !existsSync(main)) {
    const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
    return { status: 'skipped', reason: `gateway not available: its build failed (exit ${build.status}): ${output}` };
  }

  const { stack, options } = ctx;
  const topic = await createBenchTopic(ctx, kafka, 'gateway', options.backlog.partitions);
  const schema = benchName('gw');
  await withClient(stack.databaseUrl, (c) => c.query(`create schema "${schema}"`));
  const dropSchema = () => withClient(stack.databaseUrl, (c) => c.query(`drop schema if exists "${schema}" cascade`));
  const undoSchema = ctx.resources.defer(`drop schema ${schema}`, dropSchema);
  const apiKey = randomBytes(16).toString('hex');
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: ctx.workspaceRoot,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: withSearchPath(stack.databaseUrl, schema),
      MIGRATE_ON_START: 'true',
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      PAYMENTS_TOPIC: topic,
      PAYMENTS_PARTITIONS: String(options.backlog.partitions),
      GATEWAY_API_KEYS: `bench:${createHash('sha256').update(apiKey).digest('hex')}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  ctx.resources.track(child, 'producer gateway');
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  try {
    const ready = await waitReady(base, child, 60_000);
    if (!ready)
      return {
        status: 'skipped',
        reason: `gateway not available: it did not become ready on ${base} within 60 s: ${output.trim().split('\n').slice(-3).join(' | ')}`,
      };
    const { durationSec, clients } = options.gateway;
    ctx.log(`  G: ${clients} clients for ${durationSec} s against ${base}`);
    const histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    const byStatus: Record<string, number> = {};
    const before = cpuSnapshot(child.pid, stack.javaPids, stack.postgresPid);
    const started = epochNow();
    const deadline = started + durationSec * 1000;
    const request = async (
      path: string,
      body: object,
      key: string,
    ): Promise<{ status: number; json: Record<string, unknown> }> => {
      const at = epochNow();
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      histogram.recordValue(Math.max(1, Math.round((epochNow() - at) * 1000)));
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      return { status: response.status, json };
    };
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let n = 0; epochNow() < deadline && !ctx.signal.aborted; n++) {
          const key = (step: string) => `${c}-${n}-${step}`;
          const created = await request(
            '/v1/payments',
            {
              customer_id: `c-${c}`,
              merchant_id: `m-${n % 50}`,
              amount_minor: '100000',
              currency: 'EUR',
              payment_method: 'CARD',
            },
            key('init'),
          );
          const id = created.json.payment_id;
          if (created.status !== 201 || typeof id !== 'string') continue;
          const steps: Array<[string, object]> = [
            [`/v1/payments/${id}/authorize`, {}],
            [`/v1/payments/${id}/capture`, {}],
            ...Array.from({ length: REFUNDS_PER_PAYMENT }, (): [string, object] => [
              `/v1/payments/${id}/refunds`,
              { amount_minor: '100' },
            ]),
          ];
          for (const [i, [path, body]] of steps.entries()) {
            if (epochNow() >= deadline) break;
            if ((await request(path, body, key(String(i)))).status >= 300) break;
          }
        }
      }),
    );
    const loadSeconds = (epochNow() - started) / 1000;
    const cpu = cpuDelta(before, cpuSnapshot(child.pid, stack.javaPids, stack.postgresPid));
    const accepted = Object.entries(byStatus)
      .filter(([s]) => s.startsWith('2'))
      .reduce((sum, [, n]) => sum + n, 0);
    // Every accepted write is one outbox row: wait (bounded) for the relay to publish them all.
    let published = 0;
    let publishedAt = epochNow();
    for (const until = epochNow() + 60_000; epochNow() < until; await sleep(100)) {
      published = [...(await topicEnds(kafka, topic)).values()].reduce((a, b) => a + b, 0);
      publishedAt = epochNow();
      if (published >= accepted) break;
    }
    const result: GatewayRun = {
      status: 'ok',
      clients,
      durationSec,
      requestsPerSec: Math.round(accepted / loadSeconds),
      accepted,
      byStatus,
      requestP50Ms: Math.round(histogram.getValueAtPercentile(50) / 10) / 100,
      requestP99Ms: Math.round(histogram.getValueAtPercentile(99) / 10) / 100,
      eventsPublished: published,
      publishedPerSec: Math.round(published / ((publishedAt - started) / 1000)),
      gatewayCpuSec: cpu.node,
      nodeCpuUsPerRequest: accepted > 0 ? Math.round((cpu.node * 1e6) / accepted) : 0,
    };
    histogram.destroy();
    return result;
  } finally {
    await stopChild(child, 'producer gateway', ctx.log, 30_000);
    await dropSchema();
    undoSchema();
  }
}

async function waitReady(base: string, child: ReturnType<typeof spawn>, timeoutMs: number): Promise<boolean> {
  for (const until = epochNow() + timeoutMs; epochNow() < until; await sleep(200)) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return true;
    } catch {
      // not listening yet
    }
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
