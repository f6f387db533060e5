import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

/**
 * Sees events reach the ledger: polls processed_events for the ids it waits for, every `intervalMs`, and records
 * when each was first seen. A commit is seen at most one interval (plus a query) after it happened.
 */
export interface CommitWatcher {
  expect(eventId: string, requestStartedAt: number): void;
  /** Latency (ms) of each event seen so far, from its request's start to the poll that saw it in the ledger. */
  readonly latencies: number[];
  readonly waiting: number;
  readonly lastSeenAt: number;
  stop(): Promise<void>;
}

export function startCommitWatcher(pool: pg.Pool, intervalMs = 10): CommitWatcher {
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let lastSeenAt = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (pending.size > 0) {
        const ids = [...pending.keys()].slice(0, 5_000);
        const { rows } = await pool.query<{ event_id: string }>(
          `select event_id from processed_events where outcome = 'applied' and event_id = any($1::uuid[])`,
          [ids],
        );
        const now = performance.now();
        for (const { event_id } of rows) {
          latencies.push(now - pending.get(event_id)!);
          pending.delete(event_id);
          lastSeenAt = now;
        }
      }
      await sleep(intervalMs);
    }
  })();
  return {
    expect: (eventId, startedAt) => void pending.set(eventId, startedAt),
    latencies,
    get waiting() {
      return pending.size;
    },
    get lastSeenAt() {
      return lastSeenAt;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
