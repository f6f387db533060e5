import type { StoredHeaders } from '@spr/ledger-db';
import type { RawMessage } from './types.ts';

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
