/**
 * G1 and G2 through rebalances: consumer processes join, leave gracefully (SIGTERM) and die (SIGKILL) while
 * 50,000+ events flow; every event is applied exactly once and each payment's events in order.
 */
import { readGroupOffsets } from '@spr/consumer-runtime';
import type { PaymentEvent } from '@spr/contracts';
import { simulatePayments } from '@spr/payments-domain';
import { uniqueName, waitFor } from '@spr/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConsumer, type ConsumerProcess } from '../test-support/consumer-process.ts';
import { createPaymentFixture, type PaymentFixture } from '../test-support/payment-fixture.ts';
import { verifyLedger } from '../test-support/verify-ledger.ts';

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('rebalance');
});
afterAll(() => fx.close());

describe('rebalance', () => {
  it('keeps exactly-once and per-entity order while members join and leave during 50,000 events', async () => {
    const events: PaymentEvent[] = [...simulatePayments({ payments: 16_000, seed: 2026 })];
    expect(events.length).toBeGreaterThanOrEqual(50_000);
    const groupId = uniqueName('rebalance_group');
    const env = fx.env({ CONSUMER_GROUP: groupId, CHUNK_MAX_EVENTS: '250', LOG_LEVEL: 'warn' });
    const progress = async () =>
      Number((await readGroupOffsets(fx.pool, groupId)).reduce((sum, o) => sum + o.nextOffset, 0n));
    // A member that exits without being told to fails the test at once (with its log, below), not after a timeout.
    let memberExited: (error: Error) => void = () => undefined;
    const unexpectedExit = new Promise<never>((_, reject) => (memberExited = reject));
    unexpectedExit.catch(() => undefined); // raced below; never left unhandled
    const orExit = <T>(work: Promise<T>) => Promise.race([work, unexpectedExit]);
    const reach = (fraction: number) =>
      orExit(
        waitFor(async () => (await progress()) >= events.length * fraction, {
          what: `${fraction * 100}% of the events`,
          timeoutMs: 120_000,
          intervalMs: 50,
        }),
      );

    // Half the events are there before the first member starts, half arrive while membership changes.
    await fx.publish(events.slice(0, events.length / 2));
    const members: ConsumerProcess[] = [];
    const leaving = new Set<ConsumerProcess>();
    const join = () => {
      const member = spawnConsumer(env);
      members.push(member);
      void member.exited.then(({ code, signal }) => {
        if (!leaving.has(member))
          memberExited(
            new Error(
              `member ${members.indexOf(member) + 1} (pid ${member.pid}) exited on its own: code ${code}, signal ${signal}`,
            ),
          );
      });
      return member;
    };
    const leave = (member: ConsumerProcess) => {
      leaving.add(member);
      return member;
    };
    try {
      const a = join();
      const publishing = fx.publish(events.slice(events.length / 2));
      await reach(0.1);
      const b = join();
      await reach(0.25);
      const c = join();
      await reach(0.4);
      expect((await leave(b).stop()).code).toBe(0); // leaves gracefully
      await reach(0.55);
      leave(c).signal('SIGKILL'); // dies mid-work
      await c.exited;
      await publishing;
      await reach(0.65);
      join();
      await reach(0.8);
      expect((await leave(a).stop()).code).toBe(0);
      await orExit(fx.waitForDrain(groupId, 180_000));
    } catch (error) {
      // What each member logged: a stalled wait alone does not say which member stopped working, or why.
      members.forEach((m, i) =>
        console.error(
          `member ${i + 1} (pid ${m.pid}), last log lines:\n${m
            .lines()
            .slice(-40)
            .map((l) => JSON.stringify(l))
            .join('\n')}`,
        ),
      );
      throw error;
    } finally {
      for (const member of members) await leave(member).stop();
    }
    expect(await verifyLedger(fx.pool, events)).toEqual({
      duplicated: 0,
      lost: 0,
      orderViolations: 0,
      drifted: 0,
      gaps: 0,
      net: 0n,
    });
  });
});
