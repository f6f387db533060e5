import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { StoredHeaders } from '@spr/ledger-db';
import type { RawMessage } from './types.ts';

/**
 * kafkajs's message, with the offset as bigint. Headers are normalised to byte arrays only when read (a dead
 * letter or a parked event keeps them); the hot path never needs them.
 */
export function toRawMessage(topic: string, partition: number, message: KafkaMessage): RawMessage {
  let headers: Record<string, Buffer[]> | undefined;
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    get headers() {
      return (headers ??= normaliseHeaders(message.headers));
    },
    timestamp: Number(message.timestamp),
  };
}

function normaliseHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v))));
  }
  return out;
}

/** Headers as kept in dead_letters and parked_events: base64 of each value, so any bytes survive. */
export function storeHeaders(headers: RawMessage['headers']): StoredHeaders {
  const out: StoredHeaders = {};
  for (const [name, values] of Object.entries(headers)) out[name] = values.map((v) => v.toString('base64'));
  return out;
}

export function restoreHeaders(stored: StoredHeaders): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const [name, values] of Object.entries(stored)) out[name] = values.map((v) => Buffer.from(v, 'base64'));
  return out;
}

/** The message's size as counted by budgets and chunk limits: key and value (headers are small beside them). */
export function messageBytes(message: RawMessage): number {
  return (message.key?.length ?? 0) + (message.value?.length ?? 0);
}
