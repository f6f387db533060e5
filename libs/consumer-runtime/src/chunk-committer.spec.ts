import { describe, expect, it } from 'vitest';
import { commitChunk, FatalChunkError, isRetriable, type ChunkCommitPolicy } from './chunk-committer.ts';
import type { ChunkResult, PreparedMessage } from './chunk-processor.ts';
import type { PartitionClaim } from './offset-store.ts';
import { RuntimeError } from './runtime-error.ts';

type Event = { readonly poison?: boolean };

const prepared = (offset: number, event: Event = {}): PreparedMessage<Event> => ({
  message: { topic: 't', partition: 0, offset: BigInt(offset), key: null, value: null, headers: {}, timestamp: 0 },
  decoded: {
    ok: true,
    event,
    identity: {
      eventId: `e${offset}`,
      entityType: 'x',
      entityId: String(offset),
      seq: 1n,
      payloadHash: Buffer.alloc(0),
    },
  },
});

const committed = (nextOffset: bigint): Extract<ChunkResult, { kind: 'committed' }> => ({
  kind: 'committed',
  nextOffset,
  beganAt: 0,
  committedAt: 0,
  counts: { applied: 0, duplicates: 0, parked: 0, deadLettered: 0 },
  deadLetterReasons: [],
  recorded: [],
});

/**
 * A chunk processor that refuses any chunk holding a poison event (as a CHECK constraint would), with the chunks it
 * saw.
 */
function fakePolicy(overrides: Partial<ChunkCommitPolicy<Event>> = {}) {
  let claim: PartitionClaim = { nextOffset: 0n, generation: 1n };
  const attempts: string[] = [];
  const policy: ChunkCommitPolicy<Event> = {
    async process(c, chunk) {
      attempts.push(chunk.map((p) => (p.decoded.ok ? String(p.message.offset) : `dlq:${p.message.offset}`)).join(','));
      if (chunk.some((p) => p.decoded.ok && p.decoded.event.poison))
        throw Object.assign(new Error('new row violates check constraint'), { code: '23514' });
      return committed(chunk.at(-1)!.message.offset + 1n);
    },
    claim: () => claim,
    onCommitted: (result) => void (claim = { ...claim, nextOffset: result.nextOffset }),
    interrupted: () => false,
    backoff: { initialMs: 1, maxMs: 1 },
    signal: new AbortController().signal,
    onRetry: () => undefined,
    onApplyFailure: () => undefined,
    ...overrides,
  };
  return { policy, attempts, claim: () => claim };
}

describe('commitChunk', () => {
  it('isolates an event the database refuses by halving, commits the others and dead-letters it', async () => {
    const { policy, attempts, claim } = fakePolicy();
    const chunk = [0, 1, 2, 3, 4].map((o) => prepared(o, { poison: o === 3 }));
    expect(await commitChunk(policy, chunk)).toEqual({ kind: 'done' });
    expect(attempts).toEqual(['0,1,2,3,4', '0,1,2', '3,4', '3', 'dlq:3', '4']);
    expect(claim().nextOffset).toBe(5n);
  });

  it('retries a transient failure until it passes, with the same claim', async () => {
    let failures = 2;
    const { policy, attempts } = fakePolicy();
    const inner = policy.process;
    const retried: unknown[] = [];
    const outcome = await commitChunk(
      {
        ...policy,
        process: (c, chunk) =>
          failures-- > 0 ? Promise.reject(new RuntimeError('TRANSIENT', 'connection lost')) : inner(c, chunk),
        onRetry: (error) => retried.push(error),
      },
      [prepared(0)],
    );
    expect(outcome).toEqual({ kind: 'done' });
    expect(retried).toHaveLength(2);
    expect(attempts).toEqual(['0']);
  });

  it('stops at the fence and reports it; stops before an attempt once interrupted', async () => {
    const { policy } = fakePolicy({
      process: async () => ({ kind: 'fenced', stored: { nextOffset: 7n, generation: 2n } }),
    });
    expect(await commitChunk(policy, [prepared(0)])).toEqual({
      kind: 'fenced',
      stored: { nextOffset: 7n, generation: 2n },
    });
    const { policy: stopped, attempts } = fakePolicy({ interrupted: () => true });
    expect(await commitChunk(stopped, [prepared(0)])).toEqual({ kind: 'stopped' });
    expect(attempts).toEqual([]);
  });

  it('is fatal for an error that is neither transient nor about the data', async () => {
    const { policy } = fakePolicy({
      process: () => Promise.reject(Object.assign(new Error('relation "payments" does not exist'), { code: '42P01' })),
    });
    await expect(commitChunk(policy, [prepared(0)])).rejects.toBeInstanceOf(FatalChunkError);
  });

  it('classifies retriable failures in one place', () => {
    expect(isRetriable(new RuntimeError('TRANSIENT', 'x'))).toBe(true);
    expect(isRetriable(new RuntimeError('INVALID_CONFIG', 'x'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('serialization'), { code: '40001' }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('dup'), { code: '23505', constraint: 'processed_events_pkey' }))).toBe(
      true,
    );
    expect(isRetriable(Object.assign(new Error('dup'), { code: '23505', constraint: 'payments_pkey' }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('progress moved'), { retriable: true }))).toBe(true);
  });
});
