import type { PreparedMessage } from './chunk-processor.ts';
import { RuntimeError } from './runtime-error.ts';
import type { DecodeOutcome, EventDecoder, RawMessage } from './types.ts';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Decodes fetched messages and settles what can be settled from the bytes alone: an oversize value, or a key
 * that does not name the event's entity (an event on the wrong key may sit on the wrong partition, out of order
 * with its entity), are poison. A transient failure (the registry is down) throws a retriable RuntimeError and
 * is never dead-lettered. Synchronous decodes (a cached schema) cost no promise.
 */
export async function prepareMessages<E>(
  decoder: EventDecoder<E>,
  messages: readonly RawMessage[],
  maxMessageBytes: number,
): Promise<PreparedMessage<E>[]> {
  const prepared: PreparedMessage<E>[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const size = message.value?.length ?? 0;
    if (size > maxMessageBytes) {
      prepared[i] = {
        message,
        decoded: {
          ok: false,
          retriable: false,
          reason: 'OVERSIZE',
          error: `value of ${size} bytes exceeds the limit of ${maxMessageBytes}`,
        },
      };
      continue;
    }
    const pending = decoder.decode(message);
    const decoded: DecodeOutcome<E> = pending instanceof Promise ? await pending : pending;
    if (!decoded.ok) {
      if (decoded.retriable)
        throw new RuntimeError('TRANSIENT', `decoding offset ${message.offset}: ${decoded.error}`, {
          context: { reason: decoded.reason },
        });
      prepared[i] = { message, decoded };
      continue;
    }
    const expectedKey = `${decoded.identity.entityType}:${decoded.identity.entityId}`;
    const key = message.key?.toString('utf8');
    if (key !== expectedKey) {
      prepared[i] = {
        message,
        decoded: {
          ok: false,
          retriable: false,
          reason: 'KEY_MISMATCH',
          error: `key ${JSON.stringify(key ?? null)} does not name the event's entity '${expectedKey}'`,
        },
      };
      continue;
    }
    prepared[i] = { message, decoded };
  }
  return prepared;
}
