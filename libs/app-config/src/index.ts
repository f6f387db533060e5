export * from './env-reader.ts';
export * from './run-service.ts';
