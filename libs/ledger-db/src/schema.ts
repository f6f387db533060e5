export * from './schema/dedupe.ts';
export * from './schema/gateway.ts';
export * from './schema/ledger.ts';
export * from './schema/offsets.ts';
export * from './schema/quarantine.ts';
