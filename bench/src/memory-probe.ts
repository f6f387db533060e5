#!/usr/bin/env node
/**
 * A side experiment of the benchmark (docs/performance-memory.md): drains one backlog with arm O once per variant
 * of the consumer's environment and prints its rate and peak RSS (VmHWM), to see what moves the consumer's memory.
 *
 *   node bench/src/memory-probe.ts [events] [variant;variant;…]
 *
 * A variant is `NAME=value|NAME=value` (applied on top of the benchmark's environment; empty = the defaults), e.g.
 *   node bench/src/memory-probe.ts 200000 ";NODE_OPTIONS=--max-old-space-size=128;FETCH_MAX_BYTES_PER_PARTITION=262144"
 */
import { createKafkaClient, KAFKA_DEFAULTS } from '@spr/routing';
import { findWorkspaceRoot } from '@spr/stack';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.ts';
import { FULL_OPTIONS } from './bench-options.ts';
import { createBenchResources } from './bench-resources.ts';
import { resolveBenchStack } from './bench-stack.ts';
import { produceBacklog } from './produce-backlog.ts';
import { runSprDrain } from './run-spr-drain.ts';

const VARIANT_NAMES = ['NODE_OPTIONS', 'FETCH_MAX_BYTES', 'FETCH_MAX_BYTES_PER_PARTITION', 'CHUNK_MAX_EVENTS'];

function parseVariant(variant: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of variant.split('|').filter(Boolean)) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (at <= 0 || !VARIANT_NAMES.includes(name))
      throw new Error(
        `variant "${variant}": expected NAME=value with NAME one of ${VARIANT_NAMES.join(', ')}, got "${pair}"`,
      );
    env[name] = pair.slice(at + 1);
  }
  return env;
}

const log = (line: string) => {
  if (!/events committed/.test(line)) process.stderr.write(`[memory-probe] ${line}\n`);
};
const events = Number(process.argv[2] ?? 200_000);
if (!Number.isInteger(events) || events < 1_000)
  throw new Error(`events must be an integer ≥ 1000, got "${process.argv[2]}"`);
const variants = (process.argv[3] ?? ';NODE_OPTIONS=--max-old-space-size=128')
  .split(';')
  .map((v) => ({ label: v || '(defaults)', env: parseVariant(v) }));

const workspaceRoot = findWorkspaceRoot(import.meta.dirname);
const options = {
  ...FULL_OPTIONS,
  backlog: { ...FULL_OPTIONS.backlog, events, payments: Math.max(100, Math.round(events / 50)) },
};
const resources = createBenchResources();
try {
  const stack = await resolveBenchStack(log);
  const ctx: BenchContext = {
    options,
    stack,
    resources,
    workspaceRoot,
    workDir: join(workspaceRoot, '.spr', 'bench', 'memory-probe'),
    log,
    signal: new AbortController().signal,
  };
  const kafka = createKafkaClient({ ...KAFKA_DEFAULTS, brokers: stack.kafkaBrokers, clientId: 'spr-memory-probe' });
  const b = options.backlog;
  const backlog = await produceBacklog(
    ctx,
    kafka,
    { events: b.events, payments: b.payments, duplicateRatio: b.duplicateRatio, seed: b.seed },
    b.partitions,
  );
  for (const variant of variants) {
    // The consumer inherits this process's environment (spawnSprConsumer), so each variant is set here and undone.
    const saved = VARIANT_NAMES.map((name) => [name, process.env[name]] as const);
    for (const name of VARIANT_NAMES) delete process.env[name];
    Object.assign(process.env, variant.env);
    try {
      const run = await runSprDrain(ctx, backlog, {
        label: 'O',
        chunkMaxEvents: Number(variant.env.CHUNK_MAX_EVENTS ?? options.chunkMaxEvents),
      });
      process.stdout.write(
        `${JSON.stringify({ variant: variant.label, eventsPerSec: run.eventsPerSec, peakRssMb: run.peakRssMb, duplicatesInLedger: run.check.duplicatesInLedger })}\n`,
      );
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ variant: variant.label, failed: error instanceof Error ? error.message : String(error) })}\n`,
      );
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }
} finally {
  await resources.closeAll(log);
}
