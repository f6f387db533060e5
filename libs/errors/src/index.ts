export * from './backoff.ts';
export * from './coded-error.ts';
