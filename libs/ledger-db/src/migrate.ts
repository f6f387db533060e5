import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError } from '@spr/errors';
import type pg from 'pg';

/**
 * The committed drizzle-kit migrations of this library: beside src/ when run from source, beside the bundle when
 * an app's build copied them (dist/migrations); SPR_MIGRATIONS_DIR overrides both.
 */
export const MIGRATIONS_DIR =
  process.env.SPR_MIGRATIONS_DIR ??
  [join(import.meta.dirname, '..', 'migrations'), join(import.meta.dirname, 'migrations')].find((dir) =>
    existsSync(join(dir, 'meta', '_journal.json')),
  ) ??
  join(import.meta.dirname, '..', 'migrations');

const MIGRATIONS_TABLE = '__spr_migrations';
const BREAKPOINT = '--> statement-breakpoint';

interface Migration {
  readonly tag: string;
  readonly hash: string;
  readonly statements: readonly string[];
}

export interface MigrateOptions {
  /** Target schema; default: the connection's current schema (its search_path). Created if missing. */
  readonly schema?: string;
  readonly migrationsDir?: string;
  readonly log?: (line: string) => void;
}

export interface MigrateResult {
  readonly schema: string;
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

export class MigrationError extends CodedError<'MIGRATION_CHANGED' | 'MIGRATION_FAILED' | 'BAD_SCHEMA_NAME'> {
  override readonly name = 'MigrationError';
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>;
  };
  return journal.entries.map(({ tag }) => {
    const sql = readFileSync(join(dir, `${tag}.sql`), 'utf8');
    return {
      tag,
      hash: createHash('sha256').update(sql).digest('hex'),
      statements: sql
        .split(BREAKPOINT)
        .map((s) => s.trim())
        .filter(Boolean),
    };
  });
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Applies the drizzle-kit migrations that are not applied yet, in one transaction, under an advisory lock (two
 * services starting at once migrate once). drizzle-kit writes foreign-key targets as `"public"."table"`; the
 * migrations are applied to the target schema, so that qualifier is rewritten to it (tests use a schema each).
 * An applied migration whose file changed afterwards is an error, not silently skipped.
 */
export async function migrateDatabase(
  client: pg.Pool | pg.Client,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const migrations = readMigrations(options.migrationsDir);
  // A pool lends a client for the migration; a client (connected by the caller) is used as it is.
  const isPool = typeof (client as pg.Pool).totalCount === 'number';
  const connection: pg.ClientBase = isPool ? await (client as pg.Pool).connect() : (client as pg.Client);
  try {
    const schema =
      options.schema ??
      (await connection.query<{ schema: string | null }>('select current_schema() as schema')).rows[0]?.schema;
    if (!schema)
      throw new MigrationError(
        'BAD_SCHEMA_NAME',
        'no target schema: the search_path names no existing schema; pass options.schema',
      );
    await connection.query('begin');
    try {
      await connection.query('select pg_advisory_xact_lock(hashtext($1))', [`spr-migrations:${schema}`]);
      await connection.query(`create schema if not exists ${quote(schema)}`);
      await connection.query(`set local search_path to ${quote(schema)}`);
      await connection.query(
        `create table if not exists ${MIGRATIONS_TABLE}
           (tag text primary key, hash text not null, applied_at timestamptz not null default now())`,
      );
      const done = new Map(
        (await connection.query<{ tag: string; hash: string }>(`select tag, hash from ${MIGRATIONS_TABLE}`)).rows.map(
          (r) => [r.tag, r.hash],
        ),
      );
      const applied: string[] = [];
      for (const migration of migrations) {
        const appliedHash = done.get(migration.tag);
        if (appliedHash !== undefined) {
          if (appliedHash !== migration.hash) {
            throw new MigrationError(
              'MIGRATION_CHANGED',
              `migration ${migration.tag} was changed after it was applied to schema ${schema}; ` +
                'add a new migration instead',
            );
          }
          continue;
        }
        log(`applying ${migration.tag} to schema ${schema}`);
        for (const statement of migration.statements) {
          try {
            await connection.query(statement.replaceAll('"public".', `${quote(schema)}.`));
          } catch (error) {
            throw new MigrationError(
              'MIGRATION_FAILED',
              `migration ${migration.tag} failed: ${(error as Error).message}\n${statement.slice(0, 300)}`,
              { cause: error },
            );
          }
        }
        await connection.query(`insert into ${MIGRATIONS_TABLE} (tag, hash) values ($1, $2)`, [
          migration.tag,
          migration.hash,
        ]);
        applied.push(migration.tag);
      }
      await connection.query('commit');
      return { schema, applied, alreadyApplied: migrations.length - applied.length };
    } catch (error) {
      await connection.query('rollback');
      throw error;
    }
  } finally {
    if (isPool) (connection as pg.PoolClient).release();
  }
}
