/**
 * G5: replaying the log over existing state changes nothing (stored offsets reset to the start while the
 * consumer runs), and replaying it into an empty schema gives the same ledger digest.
 */
import { readGroupOffsets, resetPartitionOffset } from '@spr/consumer-runtime';
import { ledgerDigest, migrateDatabase } from '@spr/ledger-db';
import { simulatePayments } from '@spr/payments-domain';
import { createTestDatabaseSchema, testStack, uniqueName, waitFor } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentConsumer } from '../payment-consumer.ts';
import { createPaymentFixture, type PaymentFixture } from '../test-support/payment-fixture.ts';

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('replay');
});
afterAll(() => fx.close());

describe('deterministic replay', () => {
  it('replaying over existing state changes nothing; replaying into an empty schema gives the same digest', async () => {
    const events = [...simulatePayments({ payments: 1_500, seed: 5150 })];
    const [head, last] = [events.slice(0, -1), events.at(-1)!];
    await fx.publish(head);
    const config = fx.config();
    const consumer = createPaymentConsumer(config, fx.logger);
    await consumer.start();
    let before: string;
    try {
      await fx.waitForDrain(config.groupId);
      before = await ledgerDigest(fx.pool);
      // An operator resets the stored offsets to the start of the log while the consumer runs.
      for (const o of await readGroupOffsets(fx.pool, config.groupId)) {
        await resetPartitionOffset(
          fx.pool,
          { groupId: config.groupId, topic: o.topic, partition: o.partition },
          o.firstOffset,
        );
      }
      // The next event makes the consumer notice, seek back and re-read everything.
      await fx.publish([last]);
      await fx.waitForDrain(config.groupId);
      await waitFor(
        async () => {
          const offsets = await readGroupOffsets(fx.pool, config.groupId);
          return Number(offsets.reduce((sum, o) => sum + o.counts.duplicates, 0n)) === head.length;
        },
        { what: 'the replay to count every earlier event as a duplicate' },
      );
    } finally {
      await consumer.stop();
    }
    const afterReplay = await ledgerDigest(fx.pool);

    // The same log, replayed into an empty schema by a new group.
    const empty = await createTestDatabaseSchema(testStack().databaseUrl, 'replay_empty');
    const pool = new pg.Pool({ connectionString: empty.databaseUrl, max: 2 });
    try {
      await migrateDatabase(pool);
      const freshGroup = uniqueName('replay_fresh');
      const fresh = createPaymentConsumer(
        fx.config({ DATABASE_URL: empty.databaseUrl, CONSUMER_GROUP: freshGroup }),
        fx.logger,
      );
      await fresh.start();
      try {
        await waitFor(
          async () =>
            Number((await readGroupOffsets(pool, freshGroup)).reduce((sum, o) => sum + o.nextOffset, 0n)) ===
            events.length,
          {
            what: 'the fresh replay to finish',
          },
        );
      } finally {
        await fresh.stop();
      }
      const replayed = await ledgerDigest(pool);
      // Over existing state the replay changed nothing but what the one new event did; from empty, the same ledger.
      expect(replayed).toBe(afterReplay);
      expect(afterReplay).not.toBe(before);
    } finally {
      await pool.end();
      await empty.drop();
    }
  });
});
