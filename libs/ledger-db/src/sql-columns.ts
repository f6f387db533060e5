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

const IDENT = String.raw`(?:[a-z_][a-z0-9_]*|"[^"]+")`;
/** Words that can follow a table name and are not its alias. */
const NOT_ALIASES = new Set(['as', 'on', 'set', 'where', 'join', 'cross', 'left', 'right', 'inner', 'full', 'using', 'order', 'group', 'returning', 'values', 'select', 'limit', 'for', 'with', 'default', 'union', 'having', 'natural', 'lateral']);
const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1) : name);

/**
 * The columns raw SQL names on the models' tables, where it lists them: an insert's column list, the assignments
 * of `update … set` and `on conflict … do update set`, a plain `select a, b from table`, and `alias.column` where
 * the alias (or the name, or `excluded`) stands for one of the models' tables in that SQL. Columns compared
 * unqualified in a `where` are not seen; a mistake there fails every integration test anyway.
 */
export function sqlColumnRefs(sql: string): ColumnRef[] {
  const text = sql.toLowerCase().replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '');
  const refs: ColumnRef[] = [];
  const aliases = new Map<string, Set<string>>();
  const bind = (alias: string, table: string) => (aliases.get(alias) ?? aliases.set(alias, new Set()).get(alias)!).add(table);

  for (const m of text.matchAll(new RegExp(String.raw`\b(?:from|join|update|into)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()(?:\s+(?:as\s+)?([a-z_][a-z0-9_]*)\b)?`, 'g'))) {
    const [, table, alias] = m;
    if (!MODEL_COLUMNS.has(table!)) continue;
    bind(table!, table!);
    if (alias && !NOT_ALIASES.has(alias)) bind(alias, table!);
  }

  /** Where each insert and update on a model table starts: `excluded`, `do update set` and `returning` belong to the last before them. */
  const inserts: Array<{ at: number; table: string }> = [];
  const writes: Array<{ at: number; table: string }> = [];
  for (const m of text.matchAll(new RegExp(String.raw`\binsert\s+into\s+([a-z_][a-z0-9_]*)(?:\s+as\s+[a-z_][a-z0-9_]*)?\s*\(([^)]*)\)`, 'g'))) {
    const table = m[1]!;
    if (!MODEL_COLUMNS.has(table)) continue;
    inserts.push({ at: m.index, table });
    writes.push({ at: m.index, table });
    bind('excluded', table);
    for (const column of m[2]!.split(',')) refs.push({ table, column: unquote(column.trim()) });
  }

  const assignments = (table: string, list: string) => {
    for (const item of splitTopLevel(list)) {
      const column = new RegExp(String.raw`^\s*(${IDENT})\s*=`).exec(item)?.[1];
      if (column) refs.push({ table, column: unquote(column) });
    }
  };
  const setListEnd = String.raw`(?=\s+(?:from|where|returning)\b|\s*$)`;
  for (const m of text.matchAll(new RegExp(String.raw`\bupdate\s+([a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?[a-z_][a-z0-9_]*)?\s+set\s+([\s\S]*?)${setListEnd}`, 'g'))) {
    if (!MODEL_COLUMNS.has(m[1]!)) continue;
    writes.push({ at: m.index, table: m[1]! });
    assignments(m[1]!, m[2]!);
  }
  for (const m of text.matchAll(new RegExp(String.raw`\bdo\s+update\s+set\s+([\s\S]*?)${setListEnd}`, 'g'))) {
    const insert = inserts.filter((i) => i.at < m.index).at(-1);
    if (insert) assignments(insert.table, m[1]!);
  }

  writes.sort((a, b) => a.at - b.at);
  for (const m of text.matchAll(new RegExp(String.raw`\breturning\s+((?:${IDENT}\s*,\s*)*${IDENT})(?=\s*(?:$|\)|;))`, 'g'))) {
    const write = writes.filter((w) => w.at < m.index).at(-1);
    if (write) for (const item of m[1]!.split(',')) refs.push({ table: write.table, column: unquote(item.trim()) });
  }

  for (const m of text.matchAll(new RegExp(String.raw`\bselect\s+((?:${IDENT}(?:\s+as\s+${IDENT})?\s*,\s*)*${IDENT}(?:\s+as\s+${IDENT})?)\s+from\s+([a-z_][a-z0-9_]*)\b(?!\s*\()`, 'g'))) {
    const table = m[2]!;
    if (!MODEL_COLUMNS.has(table)) continue;
    for (const item of m[1]!.split(',')) refs.push({ table, column: unquote(item.trim().split(/\s+/)[0]!) });
  }

  for (const m of text.matchAll(new RegExp(String.raw`\b([a-z_][a-z0-9_]*)\.(${IDENT})`, 'g'))) {
    const tables = [...(aliases.get(m[1]!) ?? [])];
    const column = unquote(m[2]!);
    // An alias several tables share in one text (each in its own statement) names a column of one of them.
    const table = tables.find((t) => MODEL_COLUMNS.get(t)!.has(column)) ?? tables[0];
    if (table) refs.push({ table, column });
  }
  return refs;
}

/** `table.column` for every reference `sqlColumnRefs` finds that the models lack: raw SQL that drifted from the schema. */
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
