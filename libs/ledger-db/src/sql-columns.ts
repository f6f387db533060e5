import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

/** Each Drizzle model's SQL column names, by table name. */
export const MODEL_COLUMNS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (Object.values(schema) as unknown[])
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => [getTableName(table), new Set(Object.values(getTableColumns(table)).map((column) => column.name))]),
);

export interface ColumnRef {
  readonly table: string;
  readonly column: string;
}

const NAME = '[a-z_][a-z0-9_]*';
const IDENT = `(?:${NAME}|"[^"]+")`;
/** A column list: `a, "b", c`, each item optionally `as` a name (only selects use that). */
const LIST = String.raw`(?:${IDENT}(?:\s+as\s+${IDENT})?\s*,\s*)*${IDENT}(?:\s+as\s+${IDENT})?`;
const SET_LIST_END = String.raw`(?=\s+(?:from|where|returning)\b|\s*$)`;
const PATTERNS = {
  /** A table in a from, join, update or into, with its alias; not a function call. */
  table: new RegExp(String.raw`\b(?:from|join|update|into)\s+(${NAME})\b(?!\s*\()(?:\s+(?:as\s+)?(${NAME})\b)?`, 'g'),
  insert: new RegExp(String.raw`\binsert\s+into\s+(${NAME})(?:\s+as\s+${NAME})?\s*\(([^)]*)\)`, 'g'),
  update: new RegExp(String.raw`\bupdate\s+(${NAME})(?:\s+(?:as\s+)?${NAME})?\s+set\s+([\s\S]*?)${SET_LIST_END}`, 'g'),
  upsert: new RegExp(String.raw`\bdo\s+update\s+set\s+([\s\S]*?)${SET_LIST_END}`, 'g'),
  returning: new RegExp(String.raw`\breturning\s+(${LIST})(?=\s*(?:$|\)|;))`, 'g'),
  select: new RegExp(String.raw`\bselect\s+(${LIST})\s+from\s+(${NAME})\b(?!\s*\()`, 'g'),
  qualified: new RegExp(String.raw`\b(${NAME})\.(${IDENT})`, 'g'),
  assigned: new RegExp(String.raw`^\s*(${IDENT})\s*=`),
};
/** Words that can follow a table name and are not its alias. */
const NOT_ALIASES = new Set([
  ...['as', 'on', 'set', 'where', 'join', 'cross', 'left', 'right', 'inner', 'full', 'using', 'natural', 'lateral'],
  ...['order', 'group', 'having', 'returning', 'values', 'select', 'limit', 'for', 'with', 'default', 'union'],
]);
const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1) : name);
const listItems = (list: string) => list.split(',').map((item) => unquote(item.trim().split(/\s+/)[0]!));

/**
 * The columns raw SQL names on the models' tables, where it lists them: an insert's column list, the assignments
 * of `update … set` and `on conflict … do update set`, a `returning` list, a plain `select a, b from table`, and
 * `alias.column` where the alias (or the name, or `excluded`) stands for one of the models' tables in that SQL.
 * Columns compared unqualified in a `where` are not seen; a mistake there fails every integration test anyway.
 */
export function sqlColumnRefs(sql: string): ColumnRef[] {
  const text = sql
    .toLowerCase()
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, '');
  const refs: ColumnRef[] = [];
  const aliases = new Map<string, Set<string>>();
  const bind = (alias: string, table: string) => {
    if (!aliases.has(alias)) aliases.set(alias, new Set());
    aliases.get(alias)!.add(table);
  };
  const known = (table: string | undefined): table is string => table !== undefined && MODEL_COLUMNS.has(table);

  for (const [, table, alias] of text.matchAll(PATTERNS.table)) {
    if (!known(table)) continue;
    bind(table, table);
    if (alias && !NOT_ALIASES.has(alias)) bind(alias, table);
  }

  // Where each insert and update starts: `excluded`, `do update set` and `returning` belong to the last before them.
  const inserts: Array<{ at: number; table: string }> = [];
  const writes: Array<{ at: number; table: string }> = [];
  for (const m of text.matchAll(PATTERNS.insert)) {
    if (!known(m[1])) continue;
    inserts.push({ at: m.index, table: m[1] });
    writes.push({ at: m.index, table: m[1] });
    bind('excluded', m[1]);
    for (const column of listItems(m[2]!)) refs.push({ table: m[1], column });
  }

  const assignments = (table: string, list: string) => {
    for (const item of splitTopLevel(list)) {
      const column = PATTERNS.assigned.exec(item)?.[1];
      if (column) refs.push({ table, column: unquote(column) });
    }
  };
  for (const m of text.matchAll(PATTERNS.update)) {
    if (!known(m[1])) continue;
    writes.push({ at: m.index, table: m[1] });
    assignments(m[1], m[2]!);
  }
  for (const m of text.matchAll(PATTERNS.upsert)) {
    const insert = inserts.filter((i) => i.at < m.index).at(-1);
    if (insert) assignments(insert.table, m[1]!);
  }

  writes.sort((a, b) => a.at - b.at);
  for (const m of text.matchAll(PATTERNS.returning)) {
    const write = writes.filter((w) => w.at < m.index).at(-1);
    if (write) for (const column of listItems(m[1]!)) refs.push({ table: write.table, column });
  }

  for (const m of text.matchAll(PATTERNS.select)) {
    if (known(m[2])) for (const column of listItems(m[1]!)) refs.push({ table: m[2], column });
  }

  for (const m of text.matchAll(PATTERNS.qualified)) {
    const tables = [...(aliases.get(m[1]!) ?? [])];
    const column = unquote(m[2]!);
    // An alias several tables share in one text (each in its own statement) names a column of one of them.
    const table = tables.find((t) => MODEL_COLUMNS.get(t)!.has(column)) ?? tables[0];
    if (table) refs.push({ table, column });
  }
  return refs;
}

/** `table.column` for each reference `sqlColumnRefs` finds that the models lack: SQL that drifted from the schema. */
export function unknownColumns(sql: string): string[] {
  const unknown = sqlColumnRefs(sql).filter((ref) => !MODEL_COLUMNS.get(ref.table)!.has(ref.column));
  return [...new Set(unknown.map((ref) => `${ref.table}.${ref.column}`))].sort();
}

/** `list` split at the commas outside parentheses, up to a parenthesis it did not open (the end of a CTE). */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return [...items, list.slice(start, i)];
    else if (c === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  items.push(list.slice(start));
  return items;
}
