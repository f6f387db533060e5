export * from './client-config.ts';
export * from './composite-key.ts';
export * from './headers.ts';
export * from './kafka-client.ts';
export * from './partitioner.ts';
export * from './routing-error.ts';
export * from './sequenced-producer.ts';
