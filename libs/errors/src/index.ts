export * from './coded-error.ts';
