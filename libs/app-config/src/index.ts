export * from './env-reader.ts';
