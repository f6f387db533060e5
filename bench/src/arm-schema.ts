import { migrateDatabase } from '@spr/ledger-db';
import pg from 'pg';
import { benchName } from './bench-names.ts';

/** A fresh PostgreSQL schema with the ledger migrations applied, for one arm in one round. */
export interface ArmSchema {
  readonly schema: string;
  /** DATABASE_URL whose connections use the schema (search_path). */
  readonly databaseUrl: string;
  drop(): Promise<void>;
}

export function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** `create schema` + the real migrations, reached through a DATABASE_URL with its search_path. */
export async function createArmSchema(databaseUrl: string, prefix: string): Promise<ArmSchema> {
  const schema = benchName(prefix);
  const scoped = withSearchPath(databaseUrl, schema);
  await withClient(databaseUrl, (c) => c.query(`create schema "${schema}"`));
  const pool = new pg.Pool({ connectionString: scoped, max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrateDatabase(pool);
  } finally {
    await pool.end();
  }
  return {
    schema,
    databaseUrl: scoped,
    drop: () =>
      withClient(databaseUrl, (c) => c.query(`drop schema if exists "${schema}" cascade`)).then(() => undefined),
  };
}

export async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
