export * from './apply-payment-event.ts';
export * from './ledger-postings.ts';
export * from './payment-state.ts';
export * from './simulate-payments.ts';
