import { cpSync, mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabaseSchema, testStack, waitFor, type TestDatabaseSchema } from '@spr/testing';
import { createPool, withSessionSettings } from './db.ts';
import { isTransientPgError } from './pg-errors.ts';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrateDatabase, readMigrations } from './migrate.ts';

const stack = testStack();
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function emptySchema(): Promise<{ schema: TestDatabaseSchema; pool: pg.Pool }> {
  const schema = await createTestDatabaseSchema(stack.databaseUrl, 'migrate');
  const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
  cleanup.push(
    () => schema.drop(),
    () => pool.end(),
  );
  return { schema, pool };
}

describe('migrateDatabase', () => {
  it('applies every migration to an empty schema, then nothing on a second run', async () => {
    const { schema, pool } = await emptySchema();
    const first = await migrateDatabase(pool);
    expect(first.schema).toBe(schema.schema);
    expect(first.applied).toEqual(readMigrations().map((m) => m.tag));
    const tables = await pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 order by 1`,
      [schema.schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      '__spr_migrations',
      'account_balance_totals',
      'account_balances',
      'consumer_offsets',
      'currencies',
      'dead_letters',
      'entity_progress',
      'gateway_payments',
      'idempotency_requests',
      'ledger_entries',
      'outbox',
      'parked_events',
      'payments',
      'processed_events',
    ]);
    const second = await migrateDatabase(pool);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
  });

  it('migrates once when two services start at the same time', async () => {
    const { pool } = await emptySchema();
    const results = await Promise.all([migrateDatabase(pool), migrateDatabase(pool)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, readMigrations().length]);
  });

  it('refuses a migration that changed after it was applied', async () => {
    const { pool } = await emptySchema();
    await migrateDatabase(pool);
    const dir = mkdtempSync(join(tmpdir(), 'spr-migrations-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    appendFileSync(join(dir, '0000_initial.sql'), '\n-- edited\n');
    const attempt = migrateDatabase(pool, { migrationsDir: dir });
    await expect(attempt).rejects.toThrowError(MigrationError);
    await expect(attempt).rejects.toThrowError(/0000_initial was changed after it was applied/);
  });
});

describe('migrateDatabase with a client', () => {
  it('uses a connected client as it is (npm run db:migrate does)', async () => {
    const schema = await createTestDatabaseSchema(stack.databaseUrl, 'migrate_client');
    const client = new pg.Client({ connectionString: schema.databaseUrl });
    await client.connect();
    try {
      expect((await migrateDatabase(client)).applied.length).toBe(readMigrations().length);
    } finally {
      await client.end();
      await schema.drop();
    }
  });
});

describe('createPool and withSessionSettings', () => {
  it("keeps the URL's own options (a search_path) and adds the session settings", async () => {
    const schema = await createTestDatabaseSchema(stack.databaseUrl, 'settings');
    const pool = createPool({
      connectionString: withSessionSettings(schema.databaseUrl, { idle_in_transaction_session_timeout: 1234 }),
      max: 1,
    });
    try {
      const { rows } = await pool.query<{ path: string; timeout: string }>(
        `select current_schema() as path, current_setting('idle_in_transaction_session_timeout') as timeout`,
      );
      expect(rows[0]).toEqual({ path: schema.schema, timeout: '1234ms' });
    } finally {
      await pool.end();
      await schema.drop();
    }
  });

  it('reports the end of an idle transaction (idle_in_transaction_session_timeout) as a transient error', async () => {
    const errors: Error[] = [];
    const pool = createPool(
      {
        connectionString: withSessionSettings(stack.databaseUrl, { idle_in_transaction_session_timeout: 100 }),
        max: 1,
      },
      (error) => errors.push(error),
    );
    const client = await pool.connect();
    try {
      await client.query('begin');
      await waitFor(() => errors.length > 0, { what: 'the server to end the idle transaction' });
      // The server's FATAL (SQLSTATE 25P03) and whatever the next query gets must both be retried, never fatal:
      // a consumer frozen past the timeout resumes and redoes its chunk on a new connection.
      expect(errors.map((e) => isTransientPgError(e))).toEqual(errors.map(() => true));
      const next = await client.query('select 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(next).toBeDefined();
      expect(isTransientPgError(next)).toBe(true);
    } finally {
      client.release(true);
      await pool.end();
    }
  });

  it('survives a checked-out client whose backend is terminated between statements', async () => {
    const errors: Error[] = [];
    const pool = createPool({ connectionString: stack.databaseUrl, max: 1 }, (error) => errors.push(error));
    const killer = new pg.Client({ connectionString: stack.databaseUrl });
    await killer.connect();
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await waitFor(() => errors.length > 0, { what: 'the client to report its lost connection' });
      await expect(client.query('select 1')).rejects.toThrowError();
    } finally {
      client.release(true);
      await killer.end();
      await pool.end();
    }
  });
});
