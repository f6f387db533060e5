import pg from 'pg';
import { createArmSchema } from './arm-schema.ts';
import { armRun, type ArmRun } from './arm-run.ts';
import type { BenchContext } from './bench-context.ts';
import { benchGroup } from './consumer-groups.ts';
import { epochNow } from './clock.ts';
import { checkLedger, type LedgerCheck } from './ledger-check.ts';
import { watchDrain } from './offsets-watch.ts';
import type { ProducedBacklog } from './produce-backlog.ts';
import { cpuDelta, cpuSnapshot, readMemory, type CpuSnapshot } from './process-stats.ts';
import { spawnSprConsumer } from './spr-consumer-process.ts';
import { startStatsRefresher } from './stats-refresher.ts';

export interface SprDrain extends ArmRun {
  readonly chunkMaxEvents: number;
  readonly check: LedgerCheck;
  /** Backpressure pauses the consumer logged during the drain. */
  readonly pauses: number;
  /** Times ledger_entries was analyzed during the drain: by the benchmark, and by autovacuum. */
  readonly analyzeRuns: number;
  readonly autoanalyzeRuns: number;
  /** Epoch ms: first commit seen, drained, consumer process gone (to cut a profile to the drain). */
  readonly window: { readonly firstAt: number; readonly doneAt: number; readonly exitedAt: number };
}

export interface SprDrainOptions {
  readonly label: string;
  readonly chunkMaxEvents: number;
  readonly cpuProfileDir?: string;
  readonly fromSource?: boolean;
  /** ANALYZE the ledger every few seconds (default true); false leaves statistics to autovacuum (the cold start). */
  readonly statsRefresh?: boolean;
}

/**
 * Arm O: the payment consumer process drains the backlog into a fresh schema with a fresh group. Progress is
 * read from consumer_offsets (the consumer's own truth); the rate counts from the first commit seen to the
 * last. The ledger is checked afterwards: every unique event applied once, redeliveries skipped.
 */
export async function runSprDrain(ctx: BenchContext, backlog: ProducedBacklog, o: SprDrainOptions): Promise<SprDrain> {
  const schema = await createArmSchema(ctx.stack.databaseUrl, 'o');
  const undoSchema = ctx.resources.defer(`drop schema ${schema.schema}`, () => schema.drop());
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const groupId = benchGroup(ctx, 'o');
  const consumer = spawnSprConsumer(ctx, {
    env: {
      DATABASE_URL: schema.databaseUrl,
      PAYMENTS_TOPIC: backlog.topic,
      CONSUMER_GROUP: groupId,
      CHUNK_MAX_EVENTS: String(o.chunkMaxEvents),
    },
    cpuProfileDir: o.cpuProfileDir,
    fromSource: o.fromSource,
  });
  const snapshot = () => cpuSnapshot(consumer.pid, ctx.stack.javaPids, ctx.stack.postgresPid);
  const refresher = o.statsRefresh === false ? undefined : await startStatsRefresher(schema.databaseUrl);
  let analyzeRuns = 0;
  try {
    let cpuAtFirst: CpuSnapshot | undefined;
    const watch = await watchDrain(pool, {
      groupId,
      topic: backlog.topic,
      ends: backlog.ends,
      timeoutMs: ctx.options.drainTimeoutSec * 1000,
      consumer,
      signal: ctx.signal,
      onFirst: () => (cpuAtFirst = snapshot()),
      onProgress: (committed, total) =>
        ctx.log(
          `  ${o.label}: ${committed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events committed`,
        ),
    });
    const cpu = cpuDelta(cpuAtFirst ?? snapshot(), snapshot());
    const peak = readMemory(consumer.pid)?.hwmMb ?? 0;
    analyzeRuns = (await refresher?.stop()) ?? 0;
    await consumer.stop();
    const exitedAt = epochNow();
    const { rows } = await pool.query<{ n: string }>(
      `select autoanalyze_count as n from pg_stat_user_tables where relid = 'ledger_entries'::regclass`,
    );
    const check = await checkLedger(pool, groupId, backlog.summary);
    return {
      ...armRun(o.label, watch.committed - watch.firstCommitted, watch.firstAt, watch.doneAt, cpu, peak),
      chunkMaxEvents: o.chunkMaxEvents,
      check,
      pauses: consumer.pauses(),
      analyzeRuns,
      autoanalyzeRuns: Number(rows[0]?.n ?? 0),
      window: { firstAt: watch.firstAt, doneAt: watch.doneAt, exitedAt },
    };
  } finally {
    await refresher?.stop();
    await consumer.stop();
    await pool.end();
    await schema.drop();
    undoSchema();
  }
}
