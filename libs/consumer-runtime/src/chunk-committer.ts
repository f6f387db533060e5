import { CodedError } from '@spr/errors';
import { isTransientPgError, pgErrorKind, violatedConstraint } from '@spr/ledger-db';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChunkResult, PreparedMessage } from './chunk-processor.ts';
import type { PartitionClaim } from './offset-store.ts';
import { backoffDelay, type BackoffOptions } from './retry.ts';
import { RuntimeError } from './runtime-error.ts';

/** How committing a chunk ended. Committed transactions were reported one by one through `onCommitted`. */
export type ChunkCommitOutcome =
  | { readonly kind: 'done' }
  /** Another member claimed the partition: nothing more of this partition may be written by this member. */
  | { readonly kind: 'fenced'; readonly stored: PartitionClaim | undefined }
  /** The stored offset moved under the same claim (an operator's reset): read again from there. */
  | { readonly kind: 'reposition'; readonly nextOffset: bigint }
  /** The partition was let go of (a rebalance, stop) before the chunk was done. */
  | { readonly kind: 'stopped' };

export interface ChunkCommitPolicy<E> {
  /** One chunk transaction (chunk-processor.ts's processChunk, bound to its partition). */
  process(claim: PartitionClaim, prepared: readonly PreparedMessage<E>[]): Promise<ChunkResult>;
  /** The partition's claim as it is now: a committed transaction moves its next offset. */
  claim(): PartitionClaim;
  onCommitted(result: Extract<ChunkResult, { kind: 'committed' }>, prepared: readonly PreparedMessage<E>[]): void;
  /** True once the partition was let go of: no new attempt starts. */
  interrupted(): boolean;
  readonly backoff: BackoffOptions;
  readonly signal: AbortSignal;
  onRetry(error: unknown, attempt: number): void;
  onApplyFailure(error: unknown, offset: bigint): void;
}

/** A failure retrying cannot fix and dead-lettering cannot contain: the runtime stops (and its process exits). */
export class FatalChunkError extends CodedError<'FATAL_CHUNK'> {
  override readonly name = 'FatalChunkError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FATAL_CHUNK', message, options);
  }
}

/**
 * Commits prepared events (contiguous offsets from the claim's next offset) as one chunk transaction, and decides
 * what a failure means: a transient one (a lost connection, a serialization failure, a lost race on the dedupe
 * records, the registry) is retried with backoff for as long as it takes; an event the database or the handler
 * refuses is isolated by halving the chunk (the other events commit) and then dead-lettered as APPLY_FAILED;
 * anything else is fatal.
 */
export async function commitChunk<E>(
  policy: ChunkCommitPolicy<E>,
  prepared: readonly PreparedMessage<E>[],
): Promise<ChunkCommitOutcome> {
  for (let attempt = 0; ; attempt++) {
    if (policy.interrupted()) return { kind: 'stopped' };
    let result: ChunkResult;
    try {
      result = await policy.process(policy.claim(), prepared);
    } catch (error) {
      if (isRetriable(error)) {
        policy.onRetry(error, attempt);
        await sleep(backoffDelay(attempt, policy.backoff), undefined, { signal: policy.signal }).catch(() => undefined);
        continue;
      }
      if (!isDataError(error)) throw new FatalChunkError((error as Error).message, { cause: error });
      return isolate(policy, prepared, error);
    }
    if (result.kind !== 'committed')
      return result.kind === 'fenced'
        ? { kind: 'fenced', stored: result.stored }
        : { kind: 'reposition', nextOffset: result.nextOffset };
    policy.onCommitted(result, prepared);
    return { kind: 'done' };
  }
}

/** A chunk holds an event that cannot be applied: halve until it is alone, then dead-letter it. */
async function isolate<E>(
  policy: ChunkCommitPolicy<E>,
  prepared: readonly PreparedMessage<E>[],
  error: unknown,
): Promise<ChunkCommitOutcome> {
  if (prepared.length === 1) {
    const only = prepared[0]!;
    if (!only.decoded.ok)
      throw new FatalChunkError(`cannot even dead-letter offset ${only.message.offset}: ${(error as Error).message}`, {
        cause: error,
      });
    policy.onApplyFailure(error, only.message.offset);
    return commitChunk(policy, [
      {
        message: only.message,
        decoded: { ok: false, retriable: false, reason: 'APPLY_FAILED', error: (error as Error).message },
      },
    ]);
  }
  const half = Math.ceil(prepared.length / 2);
  const first = await commitChunk(policy, prepared.slice(0, half));
  if (first.kind !== 'done') return first;
  return commitChunk(policy, prepared.slice(half));
}

/**
 * A chunk that lost a race on the dedupe records (another writer recorded the same event id or sequence number
 * between this chunk's read and its write) is retried: the next attempt reads the other writer's result.
 */
const DEDUPE_CONSTRAINTS = new Set(['processed_events_pkey', 'processed_events_applied_seq']);

/** Whether trying the same chunk again may succeed. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof RuntimeError) return error.retriable;
  if (isTransientPgError(error)) return true;
  if (pgErrorKind(error) === 'unique_violation' && DEDUPE_CONSTRAINTS.has(violatedConstraint(error) ?? '')) return true;
  return (error as { retriable?: unknown } | undefined)?.retriable === true;
}

/** Errors about the data of an event: bad values, a violated constraint, a handler that threw on it. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('22') || code.startsWith('23');
  return !(error instanceof RuntimeError);
}
