// The Avro building blocks of the contract, without the generated schemas: codegen and the schema tools use them
// to read `schemas/` before any code is generated.
export * from './bigint-long-type.ts';
export * from './compatibility-level.ts';
export * from './json-value.ts';
export * from './parse-avro-schema.ts';
export * from './subject-name.ts';
export * from './timestamp-millis-type.ts';
