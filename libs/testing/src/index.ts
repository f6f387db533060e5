export * from './context.ts';
export * from './kafka.ts';
export * from './names.ts';
export * from './postgres.ts';
export * from './test-stack.ts';
export * from './wait.ts';
