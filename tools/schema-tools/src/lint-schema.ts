/**
 * The contract's house rules, on top of what makes a valid Avro schema (docs/decisions/0002-subject-naming.md and
 * schemas/README.md say why): a doc on every record and field; no floating point anywhere (money is long minor
 * units, `*_minor` fields are longs); unions only as `["null", T]`, the one shape every language reads the same
 * way; logical types only those the codecs implement.
 */
export function lintSchema(schema: unknown): string[] {
  const problems: string[] = [];
  lintType(schema, '', problems);
  return problems;
}

const FLOATING = new Set(['float', 'double']);
const LOGICAL_TYPES: Record<string, string> = { 'timestamp-millis': 'long', uuid: 'string' };

function where(path: string): string {
  return path ? `field '${path}'` : 'the schema';
}

function lintType(schema: unknown, path: string, problems: string[]): void {
  if (typeof schema === 'string') {
    if (FLOATING.has(schema))
      problems.push(
        `${where(path)} is a ${schema}: the contract carries no floating point (money is long minor units)`,
      );
    return;
  }
  if (Array.isArray(schema)) {
    if (schema.length !== 2 || schema[0] !== 'null') {
      problems.push(
        `${where(path)} is the union ${JSON.stringify(schema)}: unions must be ["null", T] (an optional value)`,
      );
    }
    for (const branch of schema) lintType(branch, path, problems);
    return;
  }
  if (typeof schema !== 'object' || schema === null) return;
  const type = schema as Record<string, unknown>;
  if (typeof type.logicalType === 'string') {
    const underlying = LOGICAL_TYPES[type.logicalType];
    if (underlying === undefined) {
      problems.push(
        `${where(path)} has logicalType '${type.logicalType}': the codecs implement only timestamp-millis (on long) and uuid (on string)`,
      );
    } else if (type.type !== underlying) {
      problems.push(
        `${where(path)} has logicalType '${type.logicalType}' on ${JSON.stringify(type.type)}: it must be on ${underlying}`,
      );
    }
  }
  switch (type.type) {
    case 'record':
    case 'error':
      lintRecord(type, path, problems);
      return;
    case 'array':
      lintType(type.items, `${path}[]`, problems);
      return;
    case 'map':
      lintType(type.values, `${path}{}`, problems);
      return;
    default:
      if (typeof type.type !== 'string' || !['enum', 'fixed'].includes(type.type)) lintType(type.type, path, problems);
  }
}

function lintRecord(record: Record<string, unknown>, path: string, problems: string[]): void {
  if (!isText(record.doc)) problems.push(`record ${String(record.name)} has no doc`);
  if (!Array.isArray(record.fields)) return; // avsc reports the missing fields array
  for (const field of record.fields as Record<string, unknown>[]) {
    const fieldPath = path ? `${path}.${String(field.name)}` : String(field.name);
    if (!isText(field.doc)) problems.push(`${where(fieldPath)} has no doc`);
    if (String(field.name).endsWith('_minor') && !isPlainLong(field.type)) {
      problems.push(`${where(fieldPath)} is ${JSON.stringify(field.type)}: amounts in minor units must be long`);
    }
    lintType(field.type, fieldPath, problems);
  }
}

function isPlainLong(type: unknown): boolean {
  return (
    type === 'long' ||
    (typeof type === 'object' &&
      type !== null &&
      (type as Record<string, unknown>).type === 'long' &&
      !('logicalType' in type))
  );
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}
