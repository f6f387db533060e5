/** Why the runtime keeps a partition from being fetched. */
export type PauseReason = 'backpressure' | 'fenced';

/** The part of a Kafka client that pauses and resumes fetching per partition of one topic. */
export interface PausableClient {
  /** The assigned partitions the client has paused right now, whoever paused them. */
  paused(): number[];
  pause(partitions: number[]): void;
  resume(partitions: number[]): void;
}

/**
 * The runtime's own record of which partitions must not be fetched, and why; the Kafka client's pause state is
 * made to match it, never the other way round.
 *
 * kafkajs keeps paused partitions paused across rebalances, so a pause the runtime no longer wants (a fence
 * from before the member rejoined) would wedge a partition the member gets back: issue 12, where a fenced
 * member's reclaimed partitions never moved again. `sync` therefore reads the client's actual pause state and
 * resumes every assigned partition the runtime has no reason to pause.
 */
export interface PartitionPauses {
  /** A new assignment: fences belong to the old one and are forgotten; backpressure applies to all partitions. */
  assign(partitions: Iterable<number>): void;
  fence(partition: number): void;
  setBackpressure(on: boolean): void;
  /** Makes the client's pause state equal to the runtime's; returns what it changed. */
  sync(client: PausableClient): { paused: number[]; resumed: number[] };
  /** The reasons each assigned partition is paused for (empty for partitions that are fetched). */
  reasons(partition: number): PauseReason[];
  isPausedBy(partition: number, reason: PauseReason): boolean;
}

export function createPartitionPauses(): PartitionPauses {
  let assigned = new Set<number>();
  const fenced = new Set<number>();
  let backpressure = false;

  const reasons = (partition: number): PauseReason[] => {
    if (!assigned.has(partition)) return [];
    const out: PauseReason[] = [];
    if (backpressure) out.push('backpressure');
    if (fenced.has(partition)) out.push('fenced');
    return out;
  };

  return {
    assign(partitions) {
      assigned = new Set(partitions);
      fenced.clear();
    },
    fence(partition) {
      if (assigned.has(partition)) fenced.add(partition);
    },
    setBackpressure(on) {
      backpressure = on;
    },
    sync(client) {
      const actual = new Set(client.paused());
      const paused: number[] = [];
      const resumed: number[] = [];
      for (const partition of assigned) {
        const wanted = reasons(partition).length > 0;
        if (wanted && !actual.has(partition)) paused.push(partition);
        if (!wanted && actual.has(partition)) resumed.push(partition);
      }
      if (paused.length > 0) client.pause(paused);
      if (resumed.length > 0) client.resume(resumed);
      return { paused, resumed };
    },
    reasons,
    isPausedBy: (partition, reason) => reasons(partition).includes(reason),
  };
}
