export * from './config.ts';
export * from './payment-consumer.ts';
