/**
 * G2 under crashes: a consumer process killed with SIGKILL in the middle of its work, at the named fault points
 * and at an arbitrary moment, then restarted, leaves every event applied exactly once.
 */
import { FAULT_POINTS, readGroupOffsets } from '@spr/consumer-runtime';
import { simulatePayments } from '@spr/payments-domain';
import { uniqueName, waitFor } from '@spr/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConsumer } from '../test-support/consumer-process.ts';
import { createPaymentFixture, type PaymentFixture } from '../test-support/payment-fixture.ts';
import { verifyLedger } from '../test-support/verify-ledger.ts';

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('crash');
});
afterAll(() => fx.close());

const storedTotal = async (groupId: string) =>
  Number((await readGroupOffsets(fx.pool, groupId)).reduce((sum, o) => sum + o.nextOffset, 0n));

describe('crash safety', () => {
  it('SIGKILL at every fault point, and at a random moment, loses and duplicates nothing', async () => {
    const events = [...simulatePayments({ payments: 3_000, seed: 1234 })];
    await fx.publish(events);
    const groupId = uniqueName('crash_group');
    // Small chunks so that every fault point is reached many times in one run.
    const env = fx.env({ CONSUMER_GROUP: groupId, CHUNK_MAX_EVENTS: '200', LOG_LEVEL: 'warn' });

    for (const point of FAULT_POINTS) {
      const victim = spawnConsumer({ ...env, SPR_FAULT_POINT: `${point}:3` });
      const exit = await victim.exited;
      expect(
        exit.signal,
        `the consumer should have died at ${point}: ${JSON.stringify(victim.lines().slice(-3))}`,
      ).toBe('SIGKILL');
      expect(
        victim.lines().some((l) => l.point === point),
        JSON.stringify(victim.lines().slice(-5)),
      ).toBe(true);
    }

    // And once at a moment nobody chose: after some progress, while it works.
    const before = await storedTotal(groupId);
    const random = spawnConsumer(env);
    await waitFor(async () => (await storedTotal(groupId)) > before + 1_000, {
      what: 'progress before the random kill',
    });
    random.signal('SIGKILL');
    expect((await random.exited).signal).toBe('SIGKILL');

    const survivor = spawnConsumer(env);
    try {
      await fx.waitForDrain(groupId);
    } finally {
      expect((await survivor.stop()).code).toBe(0);
    }
    const check = await verifyLedger(fx.pool, events);
    expect(check).toEqual({ duplicated: 0, lost: 0, orderViolations: 0, drifted: 0, gaps: 0, net: 0n });
  });
});
