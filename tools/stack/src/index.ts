export * from './config.ts';
export * from './errors.ts';
export * from './stack.ts';
export * from './versions.ts';
