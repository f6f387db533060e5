import type { PaymentEvent } from '@spr/contracts';
import type { SequencedProducer, SentRecord } from '@spr/routing';

/** Sends one backlog event with the sequenced producer of @spr/routing (key `payment:<id>`, SPR headers). */
export function sendEvent(producer: SequencedProducer<PaymentEvent>, event: PaymentEvent): Promise<SentRecord> {
  const p = event.payload;
  return producer.send({
    entityType: p.entity_type,
    entityId: p.entity_id,
    seq: p.seq,
    eventId: p.event_id,
    eventType: event.type,
    correlationId: p.correlation_id,
    event,
  });
}

/**
 * Bounds the sends in flight: `acquire` waits while `max` are outstanding (so a fast generator cannot queue
 * the whole backlog in memory); `drained` waits for all. The first failure is rethrown by both.
 */
export function createSendWindow(max: number) {
  let outstanding = 0;
  let failure: unknown;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  return {
    async acquire(): Promise<void> {
      while (outstanding >= max && failure === undefined) await new Promise<void>((r) => (waiter = r));
      if (failure !== undefined) throw failure;
      outstanding++;
    },
    track<T>(send: Promise<T>): Promise<T> {
      send.then(
        () => {
          outstanding--;
          if (outstanding <= max / 2 || outstanding === 0) wake();
        },
        (error: unknown) => {
          outstanding--;
          failure ??= error;
          wake();
        },
      );
      return send;
    },
    async drained(): Promise<void> {
      while (outstanding > 0 && failure === undefined) await new Promise<void>((r) => (waiter = r));
      if (failure !== undefined) throw failure;
    },
  };
}
