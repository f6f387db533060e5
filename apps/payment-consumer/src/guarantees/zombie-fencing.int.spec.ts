/**
 * G2 against zombies (docs/design.md §5): of two members of one group, one freezes in the middle of a chunk
 * transaction (SIGSTOP) past its session timeout; the group gives its partitions to the other, which claims
 * them. Whatever happens to the frozen transaction when its process resumes (its fenced offset update refuses
 * it, or PostgreSQL's idle-in-transaction timeout ended it and its retry meets the new claim), it never commits:
 * the ledger holds every event exactly once.
 */
import { readFileSync } from 'node:fs';
import { readGroupOffsets } from '@spr/consumer-runtime';
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
    // A frozen process holds any transaction it has open; PostgreSQL ends it after this long (the ledger's chunks
    // hold none between their read and their write, decision 0009; a redrive or an apply handler would).
    const env = fx.env({
      CONSUMER_GROUP: groupId,
      CHUNK_MAX_EVENTS: '100',
      LOG_LEVEL: 'info',
      IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
    });

    // The zombie freezes itself (every partition's work with it) after one chunk's read, before its write, whose
    // first statement is the fenced offset update.
    const zombie = spawnConsumer({ ...env, SPR_FAULT_POINT: 'mid-insert:5', SPR_FAULT_ACTION: 'stop' });
    await waitFor(() => readState(zombie.pid) === 'T', { what: 'the zombie to be stopped', timeoutMs: 120_000 });

    const successor = spawnConsumer(env);
    try {
      // The group evicts the frozen member after its session timeout; the successor claims every partition.
      await waitFor(() => ownsEveryPartition(groupId, successor.pid), {
        what: 'the successor to claim every partition in PostgreSQL',
        timeoutMs: 120_000,
      });
      zombie.signal('SIGCONT');
      await fx.waitForDrain(groupId);
    } catch (error) {
      console.error(
        'successor',
        JSON.stringify(successor.lines().slice(-15)),
        'zombie',
        JSON.stringify(zombie.lines().slice(-15)),
      );
      throw error;
    } finally {
      await zombie.stop();
      await successor.stop();
    }
    // The frozen chunk's records and effects would be there twice (or its offsets skipped) had it committed.
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

/** Every partition of the group is claimed by the process `pid` (consumer_offsets.owner is host/pid/nonce). */
async function ownsEveryPartition(groupId: string, pid: number): Promise<boolean> {
  const owned = (await readGroupOffsets(fx.pool, groupId)).filter((o) => o.owner?.includes(`/${pid}/`));
  return owned.length === PARTITIONS;
}

function readState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}
