import { readGroupOffsets } from '@spr/consumer-runtime';
import type pg from 'pg';
import { epochNow, sleep } from './clock.ts';
import type { ConsumerHandle } from './consumer-handle.ts';

/** Where a consumer group stands in PostgreSQL (the truth of SPR: consumer_offsets). */
export async function storedOffsets(
  db: pg.Pool | pg.Client,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  return new Map((await readGroupOffsets(db, groupId, topic)).map((o) => [o.partition, Number(o.nextOffset)]));
}

function describeExit(consumer: ConsumerHandle | undefined): string {
  const last =
    consumer
      ?.lines()
      .slice(-5)
      .map((l) => JSON.stringify(l))
      .join('\n') ?? '';
  return last ? `; its last log lines:\n${last}` : '';
}

/** Waits until the consumer has claimed every partition (its rows exist in consumer_offsets). */
export async function waitForClaims(
  db: pg.Pool,
  groupId: string,
  topic: string,
  partitions: number,
  consumer: ConsumerHandle,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  void consumer.exited.then(() => (exited = true));
  const deadline = epochNow() + timeoutMs;
  while (epochNow() < deadline) {
    if (exited) throw new Error(`the ${consumer.name} exited before claiming its partitions${describeExit(consumer)}`);
    if ((await storedOffsets(db, groupId, topic)).size >= partitions) return;
    await sleep(50);
  }
  throw new Error(
    `the ${consumer.name} did not claim ${partitions} partitions within ${timeoutMs / 1000} s${describeExit(consumer)}`,
  );
}

export interface DrainWatch {
  /** When progress was first seen, and how many events were committed then. */
  readonly firstAt: number;
  readonly firstCommitted: number;
  readonly doneAt: number;
  readonly committed: number;
}

export interface DrainWatchOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Log end offset per partition: drained when every stored next_offset reaches it. */
  readonly ends: ReadonlyMap<number, number>;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly consumer?: ConsumerHandle;
  readonly onFirst?: () => void;
  readonly onProgress?: (committed: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Polls consumer_offsets until the group reaches the log end; bounded by `timeoutMs`. */
export async function watchDrain(db: pg.Pool, o: DrainWatchOptions): Promise<DrainWatch> {
  const total = [...o.ends.values()].reduce((a, b) => a + b, 0);
  let exited = false;
  void o.consumer?.exited.then(() => (exited = true));
  const started = epochNow();
  let first: { at: number; committed: number } | undefined;
  let lastReport = started;
  while (epochNow() - started < o.timeoutMs) {
    if (o.signal?.aborted) throw new Error('interrupted');
    if (exited)
      throw new Error(`the ${o.consumer?.name ?? 'consumer'} exited during the drain${describeExit(o.consumer)}`);
    const stored = await storedOffsets(db, o.groupId, o.topic);
    const now = epochNow();
    let committed = 0;
    let done = true;
    for (const [partition, end] of o.ends) {
      const next = stored.get(partition) ?? 0;
      committed += Math.min(next, end);
      if (next < end) done = false;
    }
    if (!first && committed > 0) {
      first = { at: now, committed };
      o.onFirst?.();
    }
    if (done) {
      // Everything committed at the first look (a tiny backlog): count from when the watch began.
      const whole = first!.committed === total;
      return {
        firstAt: whole ? started : first!.at,
        firstCommitted: whole ? 0 : first!.committed,
        doneAt: now,
        committed: total,
      };
    }
    if (now - lastReport >= 5_000) {
      lastReport = now;
      o.onProgress?.(committed, total);
    }
    await sleep(o.intervalMs ?? 50);
  }
  throw new Error(
    `group ${o.groupId} did not reach the end of ${o.topic} within ${o.timeoutMs / 1000} s${describeExit(o.consumer)}`,
  );
}
