import type { FetchedRecords } from './kafka-driver.ts';
import type { PartitionClaim } from './offset-store.ts';
import { createPartitionQueue } from './partition-queue.ts';
import type { RawMessage } from './types.ts';

/**
 * claiming: waiting for its claim in PostgreSQL (records are not accepted yet); running: records queue up and
 * chunks commit; fenced: another member claimed it, nothing more is written; stopped: let go of (a new
 * assignment, stop()).
 */
export type LaneState = 'claiming' | 'running' | 'fenced' | 'stopped';

/**
 * One partition of one assignment on this member: its claim, its queue of fetched records, and whether a chunk
 * transaction runs. A partition kept across a rebalance gets a new lane (the new claim fences the old one's work).
 */
export interface PartitionLane {
  readonly partition: number;
  /** The assignment this lane belongs to. */
  readonly generation: number;
  readonly state: LaneState;
  /** Where the partition's stored offset is as this lane last claimed or committed it. */
  readonly claim: PartitionClaim | undefined;
  /** A chunk transaction of this lane runs: its outcome will move `claim`. */
  readonly busy: boolean;
  readonly queuedEvents: number;
  readonly queuedBytes: number;
  /** Aborted when the lane stops: ends its waits and retries. */
  readonly signal: AbortSignal;
  /** The claim succeeded: records from `claim.nextOffset` on are accepted from now on. */
  open(claim: PartitionClaim): void;
  /** Queues what follows the queue's end; returns false if the lane takes no records (not running). */
  accept(fetched: FetchedRecords): boolean;
  /**
   * The next chunk: up to `maxEvents`, and `maxBytes` beyond the first record, of what is queued; waits while
   * nothing is. Undefined once the lane is no longer running.
   */
  nextChunk(maxEvents: number, maxBytes: number): Promise<RawMessage[] | undefined>;
  /** A chunk transaction starts or ends. */
  setBusy(busy: boolean): void;
  committed(nextOffset: bigint): void;
  /** The stored offset moved under this lane's claim (an operator's reset): what is queued is dropped. */
  reposition(nextOffset: bigint): void;
  fence(): void;
  stop(): void;
  /** When sampled records (every `sampleEvery`-th offset) were received, for stage tracing. */
  receivedAt(offset: bigint): number | undefined;
}

export function createPartitionLane(
  partition: number,
  generation: number,
  options: { readonly sampleEvery?: number } = {},
): PartitionLane {
  const queue = createPartitionQueue(0n);
  const aborted = new AbortController();
  const sampleEvery = options.sampleEvery === undefined ? undefined : BigInt(options.sampleEvery);
  const sampled = new Map<bigint, number>();
  let state: LaneState = 'claiming';
  let claim: PartitionClaim | undefined;
  let busy = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  return {
    partition,
    generation,
    get state() {
      return state;
    },
    get claim() {
      return claim;
    },
    get busy() {
      return busy;
    },
    get queuedEvents() {
      return queue.length;
    },
    get queuedBytes() {
      return queue.bytes;
    },
    signal: aborted.signal,
    open(c) {
      if (state !== 'claiming') return;
      claim = c;
      queue.reset(c.nextOffset);
      state = 'running';
    },
    accept({ records, receivedAt }) {
      if (state !== 'running') return false;
      if (queue.append(records) === 0) return true;
      if (sampleEvery !== undefined)
        for (const r of records) if (r.offset % sampleEvery === 0n) sampled.set(r.offset, receivedAt);
      notify();
      return true;
    },
    async nextChunk(maxEvents, maxBytes) {
      while (state === 'running' && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return state === 'running' ? queue.take(maxEvents, maxBytes) : undefined;
    },
    setBusy(b) {
      busy = b;
    },
    committed(nextOffset) {
      if (claim) claim = { ...claim, nextOffset };
      if (sampled.size > 0) for (const offset of sampled.keys()) if (offset < nextOffset) sampled.delete(offset);
    },
    reposition(nextOffset) {
      if (!claim || state !== 'running') return;
      claim = { ...claim, nextOffset };
      queue.reset(nextOffset);
      sampled.clear();
    },
    fence() {
      if (state === 'stopped') return;
      state = 'fenced';
      queue.reset(0n);
      aborted.abort();
      notify();
    },
    stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      queue.reset(0n);
      aborted.abort();
      notify();
    },
    receivedAt: (offset) => sampled.get(offset),
  };
}
