import { classifyEvent, entityKey, loadChunkDedupeState, type EntityProgress } from '@spr/idempotency';
import { withTransaction, type Queryable } from '@spr/ledger-db';
import type pg from 'pg';
import { emptyPlan, processLane, writePlan, type ChunkPlan, type LaneContext } from './chunk-processor.ts';
import { restoreHeaders } from './message.ts';
import { runInOneRoundTrip } from './one-round-trip.ts';
import type { EntityRef } from './types.ts';

export interface RedriveContext<E, S, F> extends LaneContext<E, S, F> {
  readonly pool: pg.Pool;
  /** Dead letters and parked events written by this group are the ones redriven. */
  readonly groupId: string;
}

export interface RedriveReport {
  readonly entities: number;
  /** Events applied by this redrive. */
  readonly applied: number;
  /** Events that stay parked (their predecessor is still missing). */
  readonly stillParked: number;
  /** Events that failed again (dead-lettered, with the new error). */
  readonly deadLettered: number;
  /** Entities whose gap an operator released. */
  readonly released: number;
}

async function lockProgress(tx: Queryable, entity: EntityRef): Promise<EntityProgress | undefined> {
  const { rows } = await tx.query<{ applied_seq: string; parked_count: number }>(
    'select applied_seq, parked_count from entity_progress where entity_type = $1 and entity_id = $2 for update',
    [entity.entityType, entity.entityId],
  );
  return rows[0] ? { appliedSeq: BigInt(rows[0].applied_seq), parkedCount: rows[0].parked_count } : undefined;
}

async function loadState<E, S, F>(
  ctx: LaneContext<E, S, F>,
  tx: Queryable,
  entity: EntityRef,
): Promise<{ state: S | undefined; existed: boolean }> {
  if (ctx.handler.kind !== 'fold') return { state: undefined, existed: false };
  const load = ctx.handler.loadStates([entity]);
  const states = load.read((await tx.query(load.statement)).rows);
  const key = entityKey(entity.entityType, entity.entityId);
  return { state: states.get(key), existed: states.has(key) };
}

/**
 * Re-applies parked events after their missing predecessor arrived some other way (or was redriven). With
 * `release`, an operator accepts that the missing events will never come: the entity continues from its first
 * parked event. One transaction per entity; it locks the entity's progress row, so it is safe while the consumer
 * runs.
 */
export async function redriveParked<E, S, F>(
  ctx: RedriveContext<E, S, F>,
  options: { entity?: EntityRef; release?: boolean } = {},
): Promise<RedriveReport> {
  const { rows } = await ctx.pool.query<{ entity_type: string; entity_id: string; partition: number }>(
    `select distinct entity_type, entity_id, partition from parked_events
      where status = 'parked' and group_id = $1 and ($2::text is null or (entity_type = $2 and entity_id = $3))
      order by 1, 2`,
    [ctx.groupId, options.entity?.entityType ?? null, options.entity?.entityId ?? null],
  );
  const report = { entities: rows.length, applied: 0, stillParked: 0, deadLettered: 0, released: 0 };
  for (const row of rows) {
    const entity = { entityType: row.entity_type, entityId: row.entity_id };
    const plan = await withTransaction(ctx.pool, async (tx) => {
      const before = await lockProgress(tx, entity);
      const firstParked = await tx.query<{ seq: string }>(
        `select min(seq) as seq from parked_events where entity_type = $1 and entity_id = $2 and status = 'parked'`,
        [entity.entityType, entity.entityId],
      );
      let start = before;
      if (
        options.release &&
        before &&
        firstParked.rows[0]?.seq &&
        BigInt(firstParked.rows[0].seq) > before.appliedSeq + 1n
      ) {
        start = { ...before, appliedSeq: BigInt(firstParked.rows[0].seq) - 1n };
        report.released++;
      }
      const { state, existed } = await loadState(ctx, tx, entity);
      const plan = emptyPlan<S, F>();
      await processLane(ctx, tx, plan, {
        items: [],
        entity,
        before,
        start,
        seen: new Map(),
        state,
        existed,
        drainFirst: true,
      });
      await writePlan({ ...ctx, ref: { groupId: ctx.groupId, partition: row.partition } }, tx, plan);
      return plan;
    });
    report.applied += plan.drainedApplied.length;
    report.deadLettered += plan.drainedDeadLettered.length;
  }
  const waiting = await ctx.pool.query<{ n: number }>(
    `select count(*)::int as n from parked_events where status = 'parked' and group_id = $1`,
    [ctx.groupId],
  );
  return { ...report, stillParked: waiting.rows[0]!.n };
}

interface DeadLetterRow {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string[]>;
  first_seen_at: Date;
}

/**
 * Re-applies dead-lettered events after a fix (a schema registered again, a handler corrected). Each one is
 * decoded and classified afresh: the next event of its entity is applied (and the entity's parked events follow
 * it); one whose sequence number it had itself used up when it was dead-lettered is applied on the entity's
 * current state; one that would leave a gap is parked; one that still fails stays a dead letter with the new
 * error. Duplicates are marked redriven without effect.
 */
export async function redriveDeadLetters<E, S, F>(
  ctx: RedriveContext<E, S, F>,
  options: { ids?: readonly bigint[]; reasonCode?: string } = {},
): Promise<RedriveReport> {
  const { rows } = await ctx.pool.query<DeadLetterRow>(
    `select id, topic, partition, "offset", key, value, headers, first_seen_at from dead_letters
      where status = 'dead' and group_id = $1 and ($2::int8[] is null or id = any($2))
        and ($3::text is null or reason_code = $3)
      order by topic, partition, "offset"`,
    [ctx.groupId, options.ids?.map(String) ?? null, options.reasonCode ?? null],
  );
  const report = { entities: 0, applied: 0, stillParked: 0, deadLettered: 0, released: 0 };
  const entities = new Set<string>();
  for (const row of rows) {
    const message = {
      topic: row.topic,
      partition: row.partition,
      offset: BigInt(row.offset),
      key: row.key,
      value: row.value,
      headers: restoreHeaders(row.headers),
      timestamp: row.first_seen_at.getTime(),
    };
    const decoded = await ctx.decoder.decode(message);
    if (!decoded.ok) {
      await ctx.pool.query(
        `update dead_letters set attempts = attempts + 1, reason_code = $2, error = $3 where id = $1`,
        [row.id, decoded.reason, decoded.error],
      );
      report.deadLettered++;
      continue;
    }
    const identity = decoded.identity;
    const entity = { entityType: identity.entityType, entityId: identity.entityId };
    entities.add(entityKey(entity.entityType, entity.entityId));
    const outcome = await withTransaction(
      ctx.pool,
      async (tx): Promise<'applied' | 'parked' | 'dead' | 'duplicate'> => {
        const before = await lockProgress(tx, entity);
        const dedupe = await loadChunkDedupeState(tx, [identity]);
        const recorded = dedupe.seen.get(identity.eventId);
        const { state, existed } = await loadState(ctx, tx, entity);
        const plan: ChunkPlan<S, F> = emptyPlan<S, F>();
        const item = { message, decoded };
        const progress = before ?? { appliedSeq: 0n, parkedCount: 0 };
        if (recorded?.outcome === 'dead_lettered' && identity.seq <= progress.appliedSeq) {
          // It used up its own sequence number when it was refused: apply it now on the current state.
          const context = { message, identity };
          const handler = ctx.handler;
          let step;
          if (handler.kind === 'fold') {
            step = handler.fold(state, decoded.event, context);
            if (step.kind === 'applied')
              await runInOneRoundTrip(
                tx,
                handler.write(
                  { states: [{ entity, state: step.state, existed }], effects: step.effects },
                  { partition: row.partition },
                ),
              );
          } else {
            step = await handler.apply(tx, decoded.event, context);
          }
          if (step.kind !== 'applied') {
            await tx.query(
              `update dead_letters set attempts = attempts + 1, reason_code = $2, error = $3 where id = $1`,
              [row.id, step.reason, step.error],
            );
            return 'dead';
          }
          await tx.query(`update processed_events set outcome = 'applied' where event_id = $1`, [identity.eventId]);
        } else {
          // Forget its own earlier record (dead-lettered) so it is classified like a new arrival.
          const seen = new Map(dedupe.seen);
          if (recorded?.outcome === 'dead_lettered') {
            seen.delete(identity.eventId);
            await tx.query(`delete from processed_events where event_id = $1`, [identity.eventId]);
          }
          const verdict = classifyEvent(identity, progress, seen.get(identity.eventId));
          if (verdict.kind === 'duplicate' || verdict.kind === 'conflict') {
            await tx.query(`update dead_letters set status = 'redriven', resolved_at = now() where id = $1`, [row.id]);
            return 'duplicate';
          }
          await processLane(ctx, tx, plan, { items: [item], before, seen, state, existed });
          await writePlan({ ...ctx, ref: { groupId: ctx.groupId, partition: row.partition } }, tx, plan);
          if (plan.deadLetters.length > 0) {
            // It failed again: keep the original row (the plan's new one for the same position merged into it).
            return 'dead';
          }
        }
        await tx.query(`update dead_letters set status = 'redriven', resolved_at = now() where id = $1`, [row.id]);
        return plan.parked.length > 0 ? 'parked' : 'applied';
      },
    );
    if (outcome === 'applied') report.applied++;
    else if (outcome === 'parked') report.stillParked++;
    else if (outcome === 'dead') report.deadLettered++;
  }
  return { ...report, entities: entities.size };
}
