export * from './config.ts';
export * from './format-report.ts';
export * from './ledger-reader.ts';
export * from './log-reader.ts';
export * from './reconcile.ts';
export * from './reconciler.ts';
