export * from './classify-event.ts';
export * from './durable-dedupe.ts';
export * from './idempotency-error.ts';
export * from './recent-event-window.ts';
export * from './types.ts';
