/**
 * G4: a 30 s PostgreSQL lock stall while events keep arriving. The consumer pauses fetching, keeps its memory
 * bounded, keeps its group membership (heartbeats), resumes when the lock is gone, and loses nothing.
 */
import { readFileSync } from 'node:fs';
import type { PaymentEvent } from '@spr/contracts';
import { simulatePayments } from '@spr/payments-domain';
import { uniqueName } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssMb, spawnConsumer } from '../test-support/consumer-process.ts';
import { createPaymentFixture, type PaymentFixture } from '../test-support/payment-fixture.ts';
import { verifyLedger } from '../test-support/verify-ledger.ts';

const STALL_MS = 30_000;
/** The memory the consumer may use: Node's baseline plus the configured fetch sizes and queue budgets. */
const RSS_BOUND_MB = 250;

let fx: PaymentFixture;
beforeAll(async () => {
  fx = await createPaymentFixture('backpressure');
});
afterAll(() => fx.close());

describe('backpressure', () => {
  it('pauses during a 30 s lock stall, stays within its memory bound, resumes and loses nothing', async () => {
    const events: PaymentEvent[] = [...simulatePayments({ payments: 8_000, seed: 99 })];
    const warmup = events.slice(0, 2_000);
    const duringStall = events.slice(2_000);
    const groupId = uniqueName('backpressure_group');
    const consumer = spawnConsumer(
      fx.env({
        CONSUMER_GROUP: groupId,
        LOG_LEVEL: 'info',
        PAUSE_ABOVE_TX_MS: '1000',
        RESUME_BELOW_TX_MS: '300',
        QUEUE_MAX_BYTES_PER_PARTITION: String(1024 * 1024),
        FETCH_MAX_BYTES: String(4 * 1024 * 1024),
        FETCH_MAX_BYTES_PER_PARTITION: String(512 * 1024),
      }),
    );
    const locker = new pg.Client({ connectionString: fx.schema.databaseUrl });
    await locker.connect();
    let peakRss = 0;
    try {
      await fx.publish(warmup);
      await fx.waitForDrain(groupId);
      const steadyRss = rssMb(consumer.pid, (p) => readFileSync(p, 'utf8'));

      // The stall: an exclusive lock on the payments table for 30 s while the rest of the events are produced.
      await locker.query('begin');
      await locker.query('lock table payments in exclusive mode');
      const stallEnds = Date.now() + STALL_MS;
      const sampler = setInterval(
        () =>
          (peakRss = Math.max(
            peakRss,
            rssMb(consumer.pid, (p) => readFileSync(p, 'utf8')),
          )),
        250,
      );
      try {
        const slices = 10;
        for (let i = 0; i < slices; i++) {
          await fx.publish(
            duringStall.slice((i * duringStall.length) / slices, ((i + 1) * duringStall.length) / slices),
          );
          await new Promise((r) => setTimeout(r, (STALL_MS / slices) * 0.8)); // producing at a steady rate is the load, not a wait for a condition
        }
        const paused = await consumer.waitForLog(/^pausing fetches/, Math.max(1_000, stallEnds - Date.now()));
        expect(String(paused.reason)).toMatch(/transaction/);
        await new Promise((r) => setTimeout(r, Math.max(0, stallEnds - Date.now()))); // hold the lock for the full stall
      } finally {
        await locker.query('commit');
        clearInterval(sampler);
      }
      await consumer.waitForLog(/^resuming fetches/);
      await fx.waitForDrain(groupId);
      process.stderr.write(
        `[backpressure] RSS steady ${steadyRss.toFixed(0)} MB, peak during the stall ${peakRss.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)\n`,
      );
    } finally {
      await locker.end();
      await consumer.stop();
    }
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss).toBeLessThan(RSS_BOUND_MB);
    // Membership held through the stall: no rebalance, so no partition was claimed twice.
    const claims = consumer.lines().filter((l) => l.message === 'claimed partition; seeking to the stored offset');
    expect(claims).toHaveLength(6);
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
