import type { SqlStatement } from '@spr/idempotency';
import type pg from 'pg';

/**
 * Sends several statements as ONE simple-protocol query: one round trip, however many statements (decision
 * 0008). Outside a transaction block PostgreSQL runs them as one implicit transaction: all of them commit, or an
 * error in any (a `spr_require` that fails) rolls all of them back. Inside a block (BEGIN … COMMIT) they simply
 * run in it. Returns each statement's result, in order.
 *
 * The simple protocol takes no parameters, so values travel as quoted literals. A named statement is prepared
 * (SQL PREPARE) the first time a connection runs it, in a round trip of its own, and EXECUTEd from then on, so
 * the server parses and plans it once per connection as with a named extended-protocol statement; an unnamed one
 * has each `$n` replaced by its literal (the SQL keeps its casts, `$1::jsonb`). Parameters are strings, numbers
 * or null; the statements' text is the library's own, never built from input.
 */
export async function runInOneRoundTrip(
  db: Pick<pg.ClientBase, 'query'>,
  statements: readonly SqlStatement[],
): Promise<pg.QueryResult[]> {
  if (statements.length === 0) return [];
  await prepareNamed(db, statements);
  const text = statements
    .map((s) =>
      s.name ? `execute ${preparedName(s.name)}(${s.values.map(sqlLiteral).join(', ')})` : inlineParameters(s),
    )
    .join(';\n');
  const result = (await db.query(text)) as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(result) ? result : [result];
}

/** The names each connection has prepared (a connection that is replaced starts with none). */
const preparedOn = new WeakMap<object, Set<string>>();

/** Apart from node-postgres's own named statements (the same session namespace), which use the plain name. */
const preparedName = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new RangeError(`statement name '${name}' must be a lower-case SQL identifier`);
  return `rt_${name}`;
};

async function prepareNamed(db: Pick<pg.ClientBase, 'query'>, statements: readonly SqlStatement[]): Promise<void> {
  let names = preparedOn.get(db);
  for (const s of statements) {
    if (!s.name || names?.has(s.name)) continue;
    // Not transactional: it stays prepared whatever becomes of an enclosing transaction.
    await db.query(`prepare ${preparedName(s.name)} as ${s.text}`);
    if (!names) preparedOn.set(db, (names = new Set()));
    names.add(s.name);
  }
}

/** The statement's text with its `$n` placeholders replaced by their values as SQL literals. */
export function inlineParameters(statement: SqlStatement): string {
  return statement.text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= statement.values.length)
      throw new RangeError(
        `statement has no parameter $${n} (it has ${statement.values.length}): ${statement.text.slice(0, 80)}`,
      );
    return sqlLiteral(statement.values[index]!);
  });
}

/** A value as a SQL literal: NULL, a number, or a quoted string (quotes doubled; with a backslash, an E'' string). */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot send ${value} as a SQL literal`);
    return String(value);
  }
  if (typeof value !== 'string')
    throw new TypeError(`a statement parameter must be a string, a number or null, got ${typeof value}`);
  let quoted = value.replaceAll("'", "''");
  if (!quoted.includes('\\')) return `'${quoted}'`;
  quoted = quoted.replaceAll('\\', '\\\\');
  return `E'${quoted}'`;
}
