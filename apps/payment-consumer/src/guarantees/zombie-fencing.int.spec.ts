/**
 * G2 against zombies (DESIGN.md §5): of two members of one group, one freezes in the middle of a chunk
 * transaction (SIGSTOP) past its session timeout; the group gives its partitions to the other, which claims
 * them. When the frozen one resumes, its stale transaction is rejected by the fence and no effect is duplicated.
 */
import { readFileSync } from 'node:fs';
import { simulatePayments } from '@spr/payments-domain';
import { uniqueName, waitFor } from '@spr/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConsumer } from '../test-support/consumer-process.ts';
import { createPaymentFixture, PARTITIONS, type PaymentFixture } from '../test-support/payment-fixture.ts';
import { verifyLedger } from '../test-support/verify-ledger.ts';

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('zombie');
});
afterAll(() => fx.close());

describe('zombie fencing', () => {
  it('rejects the stale transaction of a member that was frozen past its session timeout', async () => {
    const events = [...simulatePayments({ payments: 2_000, seed: 77 })];
    await fx.publish(events);
    const groupId = uniqueName('zombie_group');
    // A frozen process holds its open transactions (and their row locks); PostgreSQL ends them after this long.
    const env = fx.env({ CONSUMER_GROUP: groupId, CHUNK_MAX_EVENTS: '100', LOG_LEVEL: 'info', IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000' });

    // The zombie freezes itself (every partition's work with it) after writing one chunk's effects, before that
    // chunk's fenced offset update.
    const zombie = spawnConsumer({ ...env, SPR_FAULT_POINT: 'mid-insert:5', SPR_FAULT_ACTION: 'stop' });
    await zombie.waitForLog(/fault injection/);
    await waitFor(() => readState(zombie.pid) === 'T', { what: 'the zombie to be stopped' });

    const successor = spawnConsumer(env);
    try {
      // The group evicts the frozen member after its session timeout; the successor claims every partition (a
      // claim waits until PostgreSQL has ended the zombie's transaction on that partition's offset row, if any).
      await waitFor(() => successor.lines().filter((l) => l.message === 'claimed partition; seeking to the stored offset').length >= PARTITIONS, {
        what: 'the successor to claim all partitions',
      });
      zombie.signal('SIGCONT');
      await zombie.waitForLog(/^fenced/);
      await fx.waitForDrain(groupId);
    } catch (error) {
      console.error('successor', JSON.stringify(successor.lines().slice(-15)), 'zombie', JSON.stringify(zombie.lines().slice(-15)));
      throw error;
    } finally {
      await zombie.stop();
      await successor.stop();
    }
    const fenced = zombie.lines().filter((l) => typeof l.message === 'string' && l.message.startsWith('fenced'));
    expect(fenced.length).toBeGreaterThanOrEqual(1);
    expect(await verifyLedger(fx.pool, events)).toEqual({ duplicated: 0, lost: 0, orderViolations: 0, drifted: 0, gaps: 0, net: 0n });
  });
});

function readState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}
