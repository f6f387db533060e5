export * from './ledger-handler.ts';
export * from './payment-decoder.ts';
