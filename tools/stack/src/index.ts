export * from './config.ts';
export * from './errors.ts';
export * from './spawn-service.ts';
export * from './stack.ts';
export * from './versions.ts';
