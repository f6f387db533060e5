import { randomUUID } from 'node:crypto';
import { migrateDatabase } from '@spr/ledger-db';
import { createTestDatabaseSchema, testStack, waitFor } from '@spr/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startCommitWatcher } from './commit-watcher.ts';

describe('commit watcher', () => {
  it('sees expected events once they are applied in the ledger, and only then', async () => {
    const schema = await createTestDatabaseSchema(testStack().databaseUrl, 'watcher');
    const pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 2 });
    try {
      await migrateDatabase(pool);
      const watcher = startCommitWatcher(pool, 5);
      const [applied, parked] = [randomUUID(), randomUUID()];
      watcher.expect(applied, performance.now());
      watcher.expect(parked, performance.now());
      const insert = (id: string, outcome: string, seq: number) =>
        pool.query(
          `insert into processed_events (event_id, entity_type, entity_id, seq, topic, partition, "offset", payload_hash, outcome) values ($1, 'payment', 'p', $3, 't', 0, 0, '\\x00', $2)`,
          [id, outcome, seq],
        );
      await insert(applied, 'applied', 1);
      await insert(parked, 'parked', 3);
      await waitFor(() => watcher.latencies.length === 1, { what: 'the applied event to be seen' });
      expect(watcher.waiting).toBe(1); // the parked one is not in the ledger yet
      await watcher.stop();
      expect(watcher.latencies[0]).toBeGreaterThan(0);
    } finally {
      await pool.end();
      await schema.drop();
    }
  });
});
