/**
 * Arm B, the PostgreSQL-only ceiling: the rows the SPR consumer writes for the backlog (processed_events,
 * entity_progress, payments, ledger_entries with its balance triggers, the consumer_offsets update), from events
 * already in memory, in one write per chunk (the consumer's statements in one round trip), one connection per partition, the
 * partitions in parallel, as the consumer does. No Kafka, no decoding, and none of the consumer's reads (no
 * stored-offset check, no FOR UPDATE loads, no dedupe look-ups): state and duplicates are known in memory.
 * The writers are the consumer's own (libs/payments-ledger's ledger handler, @spr/idempotency's chunk dedupe,
 * the runtime's fenced offset update), so B is what those writes cost when nothing else is done.
 */
import { createHash } from 'node:crypto';
import type { PaymentEvent } from '@spr/contracts';
import { claimPartition, offsetAdvanceStatement, runInOneRoundTrip, type EntityState } from '@spr/consumer-runtime';
import { dedupeWriteStatement, type ProcessedRecord, type ProgressUpdate } from '@spr/idempotency';
import { applyPaymentEvent, type Payment } from '@spr/payments-domain';
import { createLedgerHandler, type LedgerPosting } from '@spr/payments-ledger';
import { compositeKey, partitionFor } from '@spr/routing';
import pg from 'pg';
import type { ChildArmConfig } from '../arm-protocol.ts';
import { generateBacklog } from '../backlog-generator.ts';
import type { ArmReporter } from './arm-reporter.ts';

interface Delivery {
  readonly event: PaymentEvent;
  readonly offset: number;
}

interface ChunkRows {
  readonly processed: ProcessedRecord[];
  readonly progress: Map<string, ProgressUpdate>;
  readonly payments: Map<string, EntityState<Payment>>;
  readonly postings: LedgerPosting[];
  duplicates: number;
}

export async function runPostgresCeiling(config: ChildArmConfig, reporter: ArmReporter): Promise<() => Promise<void>> {
  // The backlog in memory, split by partition as the producer routed it, with the offsets it got.
  const byPartition: Delivery[][] = Array.from({ length: config.partitions }, () => []);
  for (const { event } of generateBacklog(config.backlog)) {
    const partition = partitionFor(
      compositeKey({ entityType: event.payload.entity_type, entityId: event.payload.entity_id }),
      config.partitions,
    );
    const list = byPartition[partition]!;
    list.push({ event, offset: list.length });
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.partitions });
  pool.on('error', () => undefined);
  for (let partition = 0; partition < config.partitions; partition++)
    await claimPartition(pool, { groupId: config.groupId, topic: config.topic, partition }, 'bench-b', 0n);

  let written = 0;
  reporter.first();
  await Promise.all(
    byPartition.map(async (deliveries, partition) => {
      const client = await pool.connect();
      const states = new Map<string, Payment>();
      const applied = new Map<string, bigint>();
      try {
        for (let from = 0; from < deliveries.length; from += config.chunkMaxEvents) {
          const chunk = deliveries.slice(from, from + config.chunkMaxEvents);
          await writeChunk(client, config, partition, chunk, fold(config, partition, chunk, states, applied));
          written += chunk.length;
          reporter.progress(written);
        }
      } finally {
        client.release();
      }
    }),
  );
  reporter.done(written);
  return () => pool.end();
}

/** The chunk's effects, decided in memory: what the consumer's fold decides. `applied` is the applied seq per payment. */
function fold(
  config: ChildArmConfig,
  partition: number,
  chunk: readonly Delivery[],
  states: Map<string, Payment>,
  applied: Map<string, bigint>,
): ChunkRows {
  const rows: ChunkRows = { processed: [], progress: new Map(), payments: new Map(), postings: [], duplicates: 0 };
  for (const { event, offset } of chunk) {
    const p = event.payload;
    const id = p.entity_id;
    const before = applied.get(id);
    if (p.seq <= (before ?? 0n)) {
      rows.duplicates++;
      continue;
    }
    const previous = states.get(id);
    const step = applyPaymentEvent(previous, event);
    if (!step.ok) throw new Error(`arm B: ${event.type} seq ${p.seq} of ${id} does not apply: ${step.error}`);
    states.set(id, step.payment);
    applied.set(id, p.seq);
    const identity = {
      eventId: p.event_id,
      entityType: p.entity_type,
      entityId: id,
      seq: p.seq,
      payloadHash: createHash('sha256').update(p.event_id).digest(),
    };
    rows.processed.push({
      event: identity,
      position: { topic: config.topic, partition, offset: BigInt(offset) },
      outcome: 'applied',
    });
    // The compare-and-set expects what the database held before this chunk (the first event of the entity here).
    const progressBefore = rows.progress.has(id)
      ? rows.progress.get(id)!.before
      : before === undefined
        ? undefined
        : { appliedSeq: before, parkedCount: 0 };
    rows.progress.set(id, {
      entityType: p.entity_type,
      entityId: id,
      before: progressBefore,
      after: { appliedSeq: p.seq, parkedCount: 0 },
    });
    const existed = rows.payments.get(id)?.existed ?? previous !== undefined;
    rows.payments.set(id, { entity: { entityType: p.entity_type, entityId: id }, state: step.payment, existed });
    if (step.legs.length > 0)
      rows.postings.push({
        txId: p.event_id,
        paymentId: id,
        seq: p.seq,
        eventType: event.type,
        occurredAt: p.occurred_at,
        legs: step.legs,
      });
  }
  return rows;
}

/**
 * One chunk transaction with the consumer's own write: the fenced offset update, dedupe and progress, the ledger
 * handler's statements, in one round trip (an implicit transaction), as the consumer sends them.
 */
async function writeChunk(
  client: pg.PoolClient,
  config: ChildArmConfig,
  partition: number,
  chunk: readonly Delivery[],
  rows: ChunkRows,
): Promise<void> {
  const start = BigInt(chunk[0]!.offset);
  const end = BigInt(chunk.at(-1)!.offset + 1);
  const ref = { groupId: config.groupId, topic: config.topic, partition };
  const counts = { applied: rows.processed.length, duplicates: rows.duplicates, parked: 0, deadLettered: 0 };
  const dedupe = dedupeWriteStatement(rows.processed, [...rows.progress.values()]);
  await runInOneRoundTrip(client, [
    offsetAdvanceStatement(ref, { nextOffset: start, generation: 1n }, end, counts),
    ...(dedupe ? [dedupe] : []),
    ...ledger.write({ states: [...rows.payments.values()], effects: rows.postings }, { partition }),
  ]);
}

const ledger = createLedgerHandler();
