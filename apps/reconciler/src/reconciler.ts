import { readGroupOffsets, resetPartitionOffset } from '@spr/consumer-runtime';
import type { PaymentCodec } from '@spr/contracts';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { readLedger } from './ledger-reader.ts';
import { readLog } from './log-reader.ts';
import { reconcile, replayPlan, type ReconciliationReport } from './reconcile.ts';

export interface ReconcilerDeps {
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly codec: PaymentCodec;
  readonly topic: string;
  /** The consumer group whose ledger and stored offsets are checked (and reset by a repair). */
  readonly groupId: string;
  readonly progress?: (line: string) => void;
}

export interface RepairResult {
  readonly reset: ReadonlyArray<{ readonly partition: number; readonly from: bigint; readonly to: bigint }>;
  /** Whether the consumer re-ran past the log end within the wait. */
  readonly caughtUp: boolean;
  readonly after: ReconciliationReport;
}

/** Reads the log and the ledger and compares them. */
export async function checkLedger(deps: ReconcilerDeps): Promise<ReconciliationReport> {
  const say = deps.progress ?? (() => undefined);
  say(`reading topic ${deps.topic} from the start`);
  const log = await readLog(deps.kafka, deps.topic, deps.codec, (read, total) =>
    say(`read ${read} of ${total} records`),
  );
  say('reading the ledger');
  const ledger = await readLedger(deps.pool, deps.groupId, deps.topic);
  return reconcile(log, ledger);
}

/**
 * Repairs what deterministic replay can: for each partition holding missing events, resets the group's stored
 * offset to the first of them (the running consumer notices and re-reads from there; already applied events are
 * skipped as duplicates), waits for the consumer to catch up, and checks again. The partition's accounting
 * restarts at the reset offset (first_offset and the counters), since the offsets after it are counted again.
 */
export async function repairByReplay(
  deps: ReconcilerDeps,
  before: ReconciliationReport,
  options: { waitMs: number },
): Promise<RepairResult> {
  const say = deps.progress ?? (() => undefined);
  const plan = replayPlan(before);
  const reset: Array<{ partition: number; from: bigint; to: bigint }> = [];
  for (const [partition, offset] of plan) {
    const previous = await resetPartitionOffset(
      deps.pool,
      { groupId: deps.groupId, topic: deps.topic, partition },
      offset,
    );
    if (previous !== undefined) {
      reset.push({ partition, from: previous, to: offset });
      say(
        `partition ${partition}: stored offset reset from ${previous} to ${offset}; the consumer re-reads from there`,
      );
    }
  }
  let caughtUp = true;
  if (reset.length > 0) {
    const targets = new Map(before.partitions.map((p) => [p.partition, p.logEndOffset]));
    const deadline = Date.now() + options.waitMs;
    caughtUp = false;
    while (Date.now() < deadline) {
      const stored = await readGroupOffsets(deps.pool, deps.groupId, deps.topic);
      const behind = stored.filter(
        (o) => reset.some((x) => x.partition === o.partition) && o.nextOffset < (targets.get(o.partition) ?? 0n),
      );
      if (behind.length === 0) {
        caughtUp = true;
        break;
      }
      say(
        `waiting for the consumer to re-run ${behind.length} partition(s): ${behind.map((o) => `${o.partition}@${o.nextOffset}`).join(', ')}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    if (!caughtUp)
      say(`the consumer did not catch up within ${options.waitMs / 1000}s (is it running?); checking anyway`);
  }
  return { reset, caughtUp, after: await checkLedger(deps) };
}
