import pg from 'pg';
import { sleep } from './clock.ts';

export const STATS_REFRESH_EVERY_MS = 3_000;
/** The first ANALYZE comes sooner: the bad plan is made on the (near) empty table at the first chunk. */
const FIRST_REFRESH_MS = 1_000;

export interface StatsRefresher {
  /** Stops the loop; resolves with how many ANALYZE runs were done. */
  stop(): Promise<number>;
}

/**
 * Runs `ANALYZE ledger_entries` on the arm's schema every few seconds, as autovacuum would on a database that has
 * been running for a while. Needed because the ledger's statement-level balance check (a PL/pgSQL trigger)
 * keeps the plan it made on a near-empty table until the table is analyzed: on a fresh schema that plan scans
 * the whole ledger for every chunk until autovacuum's first ANALYZE (up to a minute later). The benchmark
 * measures the steady state with this on, and the cold start once without it (see run-bench.ts). A lock it
 * cannot get within 200 ms (the stall) is skipped, not waited for.
 */
export async function startStatsRefresher(
  connectionString: string,
  everyMs = STATS_REFRESH_EVERY_MS,
): Promise<StatsRefresher> {
  const client = new pg.Client({ connectionString, application_name: 'spr-bench-analyze' });
  client.on('error', () => undefined);
  await client.connect();
  await client.query(`set lock_timeout = '200ms'`);
  const stop = new AbortController();
  let runs = 0;
  const loop = (async () => {
    for (let wait = Math.min(FIRST_REFRESH_MS, everyMs); !stop.signal.aborted; wait = everyMs) {
      await sleep(wait, stop.signal);
      if (stop.signal.aborted) break;
      try {
        await client.query('analyze ledger_entries');
        runs++;
      } catch {
        // A lock timeout during the stall, or the schema going away at the end: try again next time.
      }
    }
  })();
  return {
    async stop() {
      stop.abort();
      await loop;
      await client.end().catch(() => undefined);
      return runs;
    },
  };
}
