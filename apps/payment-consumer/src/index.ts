export * from './config.ts';
export * from './ledger-handler.ts';
export * from './payment-consumer.ts';
export * from './payment-decoder.ts';
