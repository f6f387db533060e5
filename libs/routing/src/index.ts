export * from './composite-key.ts';
export * from './partitioner.ts';
export * from './routing-error.ts';
