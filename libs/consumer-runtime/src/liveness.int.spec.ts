/**
 * Liveness after fencing (issue 12): a member that learns it was fenced while it holds batches of its partitions,
 * and then gets some or all of those partitions back in the next rebalance, processes them again, without a
 * restart. And a partition that has work but makes no progress is reported, and turns readiness false.
 */
import { migrateDatabase } from '@spr/ledger-db';
import { createMetricsRegistry, silentLogger } from '@spr/observability';
import { createTestDatabaseSchema, createTestTopic, testKafka, testStack, uniqueName, waitFor } from '@spr/testing';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerRuntime, type ConsumerRuntime } from './consumer-runtime.ts';
import { claimPartition, readGroupOffsets } from './offset-store.ts';
import { makeNotes, noteDecoder, noteMessage, type Note } from './test-support/notes.ts';
import type { ApplyHandler } from './types.ts';

const PARTITIONS = 6;
const stack = testStack();
let pool: pg.Pool;
let drop: () => Promise<void>;
let kafka: Kafka;
let admin: Admin;
beforeAll(async () => {
  const schema = await createTestDatabaseSchema(stack.databaseUrl, 'liveness');
  drop = schema.drop;
  pool = new pg.Pool({ connectionString: schema.databaseUrl, max: 12 });
  await migrateDatabase(pool);
  await pool.query(
    'create table note_effects (id bigserial primary key, entity text not null, seq int not null, ' +
      'event_id uuid not null)',
  );
  kafka = testKafka(stack.kafkaBrokers);
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  await pool.end();
  await drop();
});

const handler: ApplyHandler<Note> = {
  kind: 'apply',
  async apply(tx, note) {
    await tx.query('insert into note_effects (entity, seq, event_id) values ($1, $2, $3)', [
      note.entity,
      note.seq,
      note.id,
    ]);
    return { kind: 'applied' };
  },
};

const running: ConsumerRuntime[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

interface Member {
  readonly runtime: ConsumerRuntime;
  readonly metrics: Registry;
  /** Partitions this member reported fenced since the last `clearFenced()`. */
  readonly fenced: Set<number>;
}

async function startMember(
  topic: string,
  groupId: string,
  options: { monitorIntervalMs: number; stallAfterMs?: number },
): Promise<Member> {
  const metrics = createMetricsRegistry();
  const runtime = createConsumerRuntime({
    kafka,
    pool,
    groupId,
    topic,
    decoder: noteDecoder,
    handler,
    logger: silentLogger(),
    metrics,
    chunk: { maxEvents: 50 },
    sessionTimeoutMs: 10_000,
    ...options,
  });
  const fenced = new Set<number>();
  runtime.events.on('fenced', ({ partition }) => fenced.add(partition));
  running.push(runtime);
  await runtime.start();
  return { runtime, metrics, fenced };
}

/** Publishes notes, entity `<prefix>-<i>` to partition i modulo `partitions`, so that every partition gets some. */
async function publish(topic: string, notes: Note[], partitions: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: notes.map((n) => ({ ...noteMessage(n), partition: Number(n.entity.split('-').at(-1)) % partitions })),
  });
  await producer.disconnect();
}

/** Every partition's stored offset equals Kafka's log end. */
async function drained(topic: string, groupId: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const stored = new Map((await readGroupOffsets(pool, groupId, topic)).map((o) => [o.partition, o.nextOffset]));
  return ends.every((e) => stored.get(e.partition) === BigInt(e.high));
}

/** What another member does when the group gives it a partition: claim it in PostgreSQL, fencing the old owner. */
async function claimAsAnotherMember(topic: string, groupId: string, partitions: number[]): Promise<void> {
  for (const partition of partitions) await claimPartition(pool, { groupId, topic, partition }, 'another-member', 0n);
}

const assignedPartitions = (member: Member) => member.runtime.readiness().details!.partitions as number[];

async function expectEachNoteAppliedOnce(notes: Note[]): Promise<void> {
  const { rows } = await pool.query<{ event_id: string; n: string }>(
    'select event_id, count(*) as n from note_effects where event_id = any($1::uuid[]) group by event_id',
    [notes.map((n) => n.id)],
  );
  expect(rows.length).toBe(notes.length);
  expect(rows.filter((r) => r.n !== '1')).toEqual([]);
}

describe('liveness after fencing', () => {
  it('processes again the partitions a fenced member gets back, round after round', async () => {
    const topic = await createTestTopic(admin, { prefix: 'reclaim', partitions: PARTITIONS });
    const groupId = uniqueName('reclaim_group');
    // The offset monitor is slowed down so that the fence is found by the chunk transactions of batches this
    // member holds (the path that wedged partitions), not while it is idle.
    const slowMonitor = { monitorIntervalMs: 600_000 };
    const notes: Note[] = makeNotes(24, 1, 5, 'r0');
    await publish(topic, notes, PARTITIONS);
    const a = await startMember(topic, groupId, slowMonitor);
    await waitFor(() => drained(topic, groupId), { what: 'member A to drain the first notes' });

    let b: Member | undefined;
    for (let round = 1; round <= 3; round++) {
      // Another member claims A's partitions in PostgreSQL while the group still gives them to A (what a
      // successor does while A is frozen). A learns of it from its next chunks: they fail the fence.
      const fencedNow = assignedPartitions(a);
      a.fenced.clear();
      await claimAsAnotherMember(topic, groupId, fencedNow);
      const more = makeNotes(24, 1, 5, `r${round}`);
      notes.push(...more);
      await publish(topic, more, PARTITIONS);
      await waitFor(() => fencedNow.every((p) => a.fenced.has(p)) || undefined, {
        what: `round ${round}: A to find its partitions ${fencedNow} fenced`,
      });

      // A rebalance: B joins (rounds 1 and 3) or leaves (round 2). A gets some or all of its fenced partitions back.
      if (b) {
        const leaving = b;
        b = undefined;
        await leaving.runtime.stop();
        await waitFor(() => assignedPartitions(a).length === PARTITIONS || undefined, {
          what: `round ${round}: A to get every partition`,
        });
      } else {
        b = await startMember(topic, groupId, slowMonitor);
        await waitFor(
          () =>
            (assignedPartitions(a).length > 0 &&
              assignedPartitions(a).length + assignedPartitions(b!).length === PARTITIONS) ||
            undefined,
          {
            what: `round ${round}: A and B to share the partitions`,
          },
        );
      }
      expect(assignedPartitions(a).some((p) => fencedNow.includes(p))).toBe(true);
      await waitFor(() => drained(topic, groupId), {
        what: `round ${round}: every partition's stored offset to reach the log end, with no member restarted`,
      });
    }
    await expectEachNoteAppliedOnce(notes);
  });

  it(
    'reports a partition with work that makes no progress, ' + 'turns readiness false, and clears once it moves',
    async () => {
      const topic = await createTestTopic(admin, { prefix: 'stall', partitions: 2 });
      const groupId = uniqueName('stall_group');
      const notes = makeNotes(8, 1, 3, 's0');
      await publish(topic, notes, 2);
      const a = await startMember(topic, groupId, { monitorIntervalMs: 200, stallAfterMs: 1_500 });
      await waitFor(() => drained(topic, groupId), { what: 'A to drain' });
      await waitFor(() => a.runtime.readiness().ok || undefined, { what: 'A to be ready' });

      // Partition 0 is claimed away and the group never reassigns it: A pauses it as fenced, and nobody applies it.
      await claimAsAnotherMember(topic, groupId, [0]);
      await waitFor(() => a.fenced.has(0) || undefined, { what: 'A to find partition 0 fenced' });
      const more = makeNotes(8, 4, 6, 's0');
      await publish(topic, more, 2);
      notes.push(...more);

      const notReady = await waitFor(
        () => {
          const r = a.runtime.readiness();
          return r.ok ? undefined : r;
        },
        { what: 'readiness to turn false' },
      );
      expect(notReady.details).toMatchObject({
        state: 'running',
        partitions: [0, 1],
        paused: [{ partition: 0, by: ['fenced'] }],
        stalled: [{ partition: 0 }],
      });
      const stalledGauge = await a.metrics.getSingleMetric('spr_consumer_partition_stalled')!.get();
      expect(stalledGauge.values.find((v) => v.labels.partition === '0')?.value).toBe(1);
      // Lag comes from Kafka's log end, not from commits: partition 0 commits nothing, and its lag shows its backlog.
      const lag = await a.metrics.getSingleMetric('spr_consumer_lag')!.get();
      expect(lag.values.find((v) => v.labels.partition === '0')?.value).toBe(
        more.filter((n) => Number(n.entity.split('-').at(-1)) % 2 === 0).length,
      );

      // A second member makes the group rebalance; whoever gets partition 0 applies it, and A is ready again.
      const b = await startMember(topic, groupId, { monitorIntervalMs: 200, stallAfterMs: 1_500 });
      await waitFor(() => drained(topic, groupId), { what: 'partition 0 to be applied after the rebalance' });
      await waitFor(() => a.runtime.readiness().ok || undefined, { what: 'A to be ready again' });
      // Each member exports lag only for the partitions it owns.
      const owned = assignedPartitions(a).map(String);
      const lagA = await a.metrics.getSingleMetric('spr_consumer_lag')!.get();
      expect(lagA.values.map((v) => v.labels.partition).every((p) => owned.includes(String(p)))).toBe(true);
      expect(assignedPartitions(b).length).toBeGreaterThan(0);
      await expectEachNoteAppliedOnce(notes);
    },
  );
});
