// Avro's Parsing Canonical Form would drop docs and defaults, which the registry needs (defaults decide
// compatibility) and readers want; this form keeps every attribute and only fixes key order and whitespace.
const KEY_ORDER = [
  'name',
  'type',
  'namespace',
  'doc',
  'aliases',
  'fields',
  'symbols',
  'items',
  'values',
  'size',
  'logicalType',
  'precision',
  'scale',
  'default',
  'order',
];

/**
 * The text a schema is registered as: compact JSON with keys in one fixed order. The registry deduplicates by
 * text, so `schemas:register` and the codecs (whose generated schemas carry this text) must send the same bytes.
 */
export function canonicalSchema(schema: unknown): string {
  return JSON.stringify(ordered(schema));
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (typeof value !== 'object' || value === null) return value;
  const rank = (key: string) => (KEY_ORDER.includes(key) ? KEY_ORDER.indexOf(key) : KEY_ORDER.length);
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, ordered((value as Record<string, unknown>)[key])]));
}
