import avro from 'avsc';
import { BIGINT_LONG_TYPE } from './bigint-long-type.ts';
import { TimestampMillisType } from './timestamp-millis-type.ts';

/**
 * Parses an Avro schema (JSON, not text) the way the whole contract reads it: `long` as bigint, `timestamp-millis`
 * as Date, unions unwrapped (`string | null`, never `{ string: ... }`), records as plain objects. Writer and reader
 * schemas go through the same function, so resolvers between them are built from like types.
 */
export function parseAvroSchema(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    // A fresh registry per parse: avsc adds every named type of the schema to it.
    registry: { long: BIGINT_LONG_TYPE },
    logicalTypes: { 'timestamp-millis': TimestampMillisType },
    // `{"type": "long"}` (object form) bypasses the registry: without this every such long would be a number.
    typeHook: (type) => (isPlainLongObject(type) ? BIGINT_LONG_TYPE : undefined),
    wrapUnions: 'never',
    omitRecordMethods: true,
  });
}

function isPlainLongObject(schema: unknown): boolean {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    (schema as { type?: unknown }).type === 'long' &&
    !('logicalType' in schema)
  );
}
