export * from './db.ts';
export * from './migrate.ts';
export * from './pg-errors.ts';
export * from './schema.ts';
export * from './sql-columns.ts';
export * from './ledger-digest.ts';
export * from './transaction.ts';
