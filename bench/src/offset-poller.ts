import { readGroupOffsets } from '@spr/consumer-runtime';
import pg from 'pg';
import { epochNow, sleep } from './clock.ts';
import type { OffsetTrace } from './latency.ts';

export interface OffsetPollResult {
  readonly traces: ReadonlyMap<number, OffsetTrace>;
  readonly polls: number;
  /** Time from one observation to the next: the resolution of the commit times. */
  readonly cycleMeanMs: number;
  readonly cycleP99Ms: number;
}

/**
 * Observes commits without touching the consumer: a dedicated connection reads the group's consumer_offsets
 * every `intervalMs` (plus the query's own round trip) and records each partition's next_offset when it
 * changes. An event's commit time is the first observation past its offset: an upper bound, late by at most
 * one poll cycle.
 */
export async function startOffsetPoller(connectionString: string, groupId: string, topic: string, intervalMs = 1) {
  const client = new pg.Client({ connectionString, application_name: 'spr-bench-offset-poller' });
  client.on('error', () => undefined);
  await client.connect();
  const traces = new Map<number, { times: number[]; nextOffsets: number[] }>();
  const cycles: number[] = [];
  let running = true;
  const loop = (async () => {
    let previous = epochNow();
    while (running) {
      const stored = await readGroupOffsets(client, groupId, topic);
      const now = epochNow();
      cycles.push(now - previous);
      previous = now;
      for (const row of stored) {
        const next = Number(row.nextOffset);
        let trace = traces.get(row.partition);
        if (!trace) traces.set(row.partition, (trace = { times: [], nextOffsets: [] }));
        if (trace.nextOffsets.length === 0 || trace.nextOffsets.at(-1)! !== next) {
          trace.times.push(now);
          trace.nextOffsets.push(next);
        }
      }
      await sleep(intervalMs);
    }
  })();
  return {
    async stop(): Promise<OffsetPollResult> {
      running = false;
      try {
        await loop;
      } finally {
        await client.end();
      }
      const sorted = cycles.slice(1).sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
      const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
      return {
        traces,
        polls: cycles.length,
        cycleMeanMs: Math.round(mean * 100) / 100,
        cycleP99Ms: Math.round(p99 * 100) / 100,
      };
    },
  };
}
