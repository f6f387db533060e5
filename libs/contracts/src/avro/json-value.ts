import avro from 'avsc';
import { ContractError } from '../errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The contract's JSON form of a decoded value, shared by every language that reads the golden fixtures: `long` as a
 * decimal string (JSON numbers lose precision above 2^53), `timestamp-millis` as an ISO-8601 UTC string with
 * milliseconds, a `["null", T]` union as null or the value of T, bytes and fixed as lower-case hex, records as
 * objects in field order. Everything else is JSON as is.
 */
export function toJsonValue(type: avro.Type, value: unknown): JsonValue {
  switch (type.typeName) {
    case 'abstract:long':
    case 'long':
      return String(value as bigint | number);
    case 'logical:timestamp-millis':
      return (value as Date).toISOString();
    case 'bytes':
    case 'fixed':
      return (value as Buffer).toString('hex');
    case 'null':
    case 'boolean':
    case 'int':
    case 'float':
    case 'double':
    case 'string':
    case 'enum':
      return value as JsonValue;
  }
  if (type instanceof avro.types.RecordType) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((field) => [field.name, toJsonValue(field.type, record[field.name])]));
  }
  if (type instanceof avro.types.UnwrappedUnionType) {
    if (value === null) return null;
    const branch = type.types.find((t) => t.typeName !== 'null' && t.isValid(value));
    if (!branch) throw invalidJson('', `${String(value)} matches no branch of ${label(type)}`);
    return toJsonValue(branch, value);
  }
  if (type instanceof avro.types.ArrayType)
    return (value as unknown[]).map((item) => toJsonValue(type.itemsType, item));
  if (type instanceof avro.types.MapType) {
    const values = type.valuesType as avro.Type;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonValue(values, v)]),
    );
  }
  if (type instanceof avro.types.LogicalType) return toJsonValue(type.underlyingType, value);
  throw invalidJson('', `unsupported Avro type ${type.typeName}`);
}

/** The inverse of `toJsonValue`: a value `type` can encode, or a ContractError naming the offending field. */
export function fromJsonValue(type: avro.Type, json: unknown, path = ''): unknown {
  switch (type.typeName) {
    case 'abstract:long':
    case 'long':
      if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
      throw invalidJson(path, `expected a long as a decimal string, got ${JSON.stringify(json)}`);
    case 'logical:timestamp-millis': {
      const date = typeof json === 'string' ? new Date(json) : undefined;
      if (date && !Number.isNaN(date.getTime())) return date;
      throw invalidJson(path, `expected an ISO-8601 timestamp, got ${JSON.stringify(json)}`);
    }
    case 'bytes':
    case 'fixed':
      if (typeof json === 'string' && /^([0-9a-f]{2})*$/.test(json)) return Buffer.from(json, 'hex');
      throw invalidJson(path, `expected lower-case hex, got ${JSON.stringify(json)}`);
  }
  if (type instanceof avro.types.RecordType) return recordFromJson(type, json, path);
  if (type instanceof avro.types.UnwrappedUnionType) {
    if (json === null && type.types.some((t) => t.typeName === 'null')) return null;
    for (const branch of type.types.filter((t) => t.typeName !== 'null')) {
      try {
        return fromJsonValue(branch, json, path);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
      }
    }
    throw invalidJson(path, `${JSON.stringify(json)} matches no branch of ${label(type)}`);
  }
  if (type instanceof avro.types.ArrayType) {
    if (!Array.isArray(json)) throw invalidJson(path, `expected an array, got ${JSON.stringify(json)}`);
    return json.map((item, i) => fromJsonValue(type.itemsType, item, `${path}[${i}]`));
  }
  if (type instanceof avro.types.MapType) {
    const values = type.valuesType as avro.Type;
    return Object.fromEntries(
      Object.entries(asObject(json, path)).map(([k, v]) => [k, fromJsonValue(values, v, `${path}.${k}`)]),
    );
  }
  if (type instanceof avro.types.LogicalType) return fromJsonValue(type.underlyingType, json, path);
  if (!type.isValid(json)) throw invalidJson(path, `expected ${label(type)}, got ${JSON.stringify(json)}`);
  return json;
}

function recordFromJson(type: avro.types.RecordType, json: unknown, path: string): Record<string, unknown> {
  const object = asObject(json, path);
  const names = new Set(type.fields.map((field) => field.name));
  const unknown = Object.keys(object).filter((key) => !names.has(key));
  if (unknown.length > 0)
    throw invalidJson(path, `${type.name} has no field ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const record: Record<string, unknown> = {};
  for (const field of type.fields) {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (!(field.name in object)) throw invalidJson(fieldPath, `missing (${type.name} requires every field)`);
    record[field.name] = fromJsonValue(field.type, object[field.name], fieldPath);
  }
  return record;
}

function asObject(json: unknown, path: string): Record<string, unknown> {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  throw invalidJson(path, `expected an object, got ${JSON.stringify(json)}`);
}

function label(type: avro.Type): string {
  if (type instanceof avro.types.UnwrappedUnionType) return type.types.map(label).join(' | ');
  return type.name ?? type.typeName;
}

function invalidJson(path: string, problem: string): ContractError {
  return new ContractError('INVALID_JSON_VALUE', path ? `field '${path}': ${problem}` : problem);
}
