import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

export type LedgerDb = NodePgDatabase<typeof schema>;

/** Drizzle over a pool the caller owns (and closes). */
export function createLedgerDb(pool: pg.Pool): LedgerDb {
  return drizzle(pool, { schema });
}

/**
 * A pg pool with an error listener attached: an idle client whose backend is terminated emits 'error', which
 * would otherwise crash the process. Whoever creates the pool closes it.
 */
export function createPool(config: pg.PoolConfig, onIdleClientError: (error: Error) => void = () => undefined): pg.Pool {
  return new pg.Pool(config).on('error', onIdleClientError);
}
