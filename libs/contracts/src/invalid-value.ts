import type avro from 'avsc';

/**
 * Names the first field of `value` that `type` cannot encode and says what it expected, e.g.
 * `field 'amount_minor' must be a long (bigint), got 12 (number)`. Undefined when the value is valid.
 */
export function describeInvalidValue(type: avro.Type, value: unknown): string | undefined {
  let problem: string | undefined;
  type.isValid(value, {
    errorHook: (path: string[], invalid: unknown, expected: avro.Type) => {
      if (problem !== undefined) return;
      const where = path.length > 0 ? `field '${path.join('.')}'` : 'the payload';
      problem = `${where} must be ${expectedLabel(expected)}, got ${valueLabel(invalid)}`;
    },
  });
  return problem;
}

function expectedLabel(type: avro.Type): string {
  switch (type.typeName) {
    case 'null':
      return 'null';
    case 'abstract:long':
      return 'a long (bigint)';
    case 'logical:timestamp-millis':
      return 'a timestamp-millis (valid Date)';
    case 'union:unwrapped':
      return (type as avro.types.UnwrappedUnionType).types.map(expectedLabel).join(' or ');
    case 'enum':
      return `one of ${(type as avro.types.EnumType).symbols.map((s) => `'${s}'`).join(', ')}`;
    default:
      return `${/^[aeiou]/.test(type.typeName) ? 'an' : 'a'} ${type.name ?? type.typeName}`;
  }
}

function valueLabel(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value} (bigint)`;
  if (value instanceof Date) return `${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()} (Date)`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${JSON.stringify(value)} (${typeof value})`;
}
