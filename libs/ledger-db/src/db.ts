import pg from 'pg';

/**
 * A pg pool whose clients cannot crash the process: a client whose connection dies (the backend terminated, the
 * server restarted, an idle-in-transaction timeout) emits 'error', which without a listener is an uncaught
 * exception — when idle in the pool (the pool's 'error'), and just as well while checked out between two
 * statements of a transaction. The query in flight, or the next one, fails with the connection error, which
 * callers treat as transient. Whoever creates the pool closes it.
 */
export function createPool(config: pg.PoolConfig, onClientError: (error: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onClientError);
  pool.on('connect', (client) => client.on('error', onClientError));
  return pool;
}

/**
 * `databaseUrl` with PostgreSQL session settings added to its `options` parameter. node-postgres lets a URL's
 * `options` replace a pool's, so settings the code needs (a timeout) are merged into the URL rather than passed
 * beside it, keeping whatever the URL sets (such as a search_path).
 */
export function withSessionSettings(databaseUrl: string, settings: Readonly<Record<string, string | number>>): string {
  const url = new URL(databaseUrl);
  const added = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  const existing = url.searchParams.get('options');
  url.searchParams.set('options', [existing, ...added].filter(Boolean).join(' '));
  return url.toString();
}
