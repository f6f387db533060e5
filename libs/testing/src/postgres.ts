import pg from 'pg';
import { uniqueName } from './names.ts';

export interface TestDatabaseSchema {
  /** The schema's name; tables created through `databaseUrl` land in it. */
  readonly schema: string;
  /** `DATABASE_URL` with the schema as its search_path. */
  readonly databaseUrl: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** An empty PostgreSQL schema of its own for one test, reached through `databaseUrl`. */
export async function createTestDatabaseSchema(databaseUrl: string, prefix = 'test'): Promise<TestDatabaseSchema> {
  const schema = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: databaseUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`create schema "${schema}"`);
  } finally {
    await admin.end();
  }
  return {
    schema,
    databaseUrl: withSearchPath(databaseUrl, schema),
    drop: async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
