export * from './avro/index.ts';
export * from './decode-result.ts';
export * from './errors.ts';
export * from './event-codec.ts';
export * from './event-contract.ts';
export * from './generated/index.ts';
export * from './payment-codec.ts';
export * from './wire-format.ts';
