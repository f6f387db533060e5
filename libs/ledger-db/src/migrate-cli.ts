#!/usr/bin/env node
/** `npm run db:migrate`: applies the ledger migrations to DATABASE_URL (its search_path schema, or public). */
import pg from 'pg';
import { migrateDatabase } from './migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('db:migrate: DATABASE_URL is not set (for the local stack: eval "$(npm run -s stack:up)")\n');
  process.exit(2);
}
const client = new pg.Client({ connectionString: url });
client.on('error', () => undefined);
try {
  await client.connect();
  const result = await migrateDatabase(client, { log: (line) => process.stderr.write(`[db:migrate] ${line}\n`) });
  process.stderr.write(
    `[db:migrate] schema ${result.schema}: ${result.applied.length} applied, ` +
      `${result.alreadyApplied} already applied\n`,
  );
} catch (error) {
  process.stderr.write(`[db:migrate] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}
