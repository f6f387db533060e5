import type pg from 'pg';
import { pgErrorKind } from './pg-errors.ts';

/** Anything that runs SQL: a pool, or a client inside the caller's transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface TransactionOptions {
  readonly isolation?: 'read committed' | 'repeatable read' | 'serializable';
  readonly readOnly?: boolean;
  /**
   * `work` sends BEGIN with its first statements and COMMIT (or ROLLBACK) with its last, saving a round trip each
   * (decision 0009). The helper then sends neither, and still rolls back on failure and destroys a broken client.
   */
  readonly workSendsBeginAndCommit?: boolean;
}

/** The error a transaction failed with, carrying the failure of its rollback when that failed too. */
export type TransactionFailure = Error & { rollbackError?: unknown };

/**
 * Runs `work` on a pool client of its own, releasing it afterwards. A client whose connection broke (the
 * error says so) is destroyed rather than returned to the pool.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    if (connectionBroke(error)) broken = asError(error);
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * BEGIN, `work(client)`, COMMIT on a client of its own; on failure ROLLBACK and the original error is rethrown.
 * If the rollback fails too (or the error shows the connection broke), the client is released with the error, so
 * node-postgres destroys it: a pooled connection left inside a failed or open transaction would fail, or worse
 * join, whatever its next user runs.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    if (!options.workSendsBeginAndCommit) await client.query(beginStatement(options));
    const result = await work(client);
    if (!options.workSendsBeginAndCommit) await client.query('commit');
    return result;
  } catch (error) {
    if (connectionBroke(error)) broken = asError(error);
    else {
      // Outside a block (it never began, or its commit failed) ROLLBACK only warns.
      await client.query('rollback').catch((rollbackError: unknown) => {
        broken = asError(rollbackError);
        if (error instanceof Error && Object.isExtensible(error)) {
          (error as TransactionFailure).rollbackError = rollbackError;
        }
      });
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

function beginStatement(options: TransactionOptions): string {
  const isolation = options.isolation && `isolation level ${options.isolation}`;
  return ['begin', isolation, options.readOnly && 'read only'].filter(Boolean).join(' ');
}

/** The session is gone: a socket error, or the server ended it (terminated backend, shutdown, session timeout). */
function connectionBroke(error: unknown): boolean {
  const kind = pgErrorKind(error);
  return kind === 'connection' || kind === 'admin_shutdown';
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
