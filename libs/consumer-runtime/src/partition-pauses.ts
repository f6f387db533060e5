/**
 * Why the runtime keeps a partition from being fetched: `backpressure` (the database is slow: every partition),
 * `queue-full` (its queue reached its byte budget), `unclaimed` (assigned, its claim in PostgreSQL not done yet),
 * `fenced` (another member claimed it; until the group reassigns it).
 */
export type PauseReason = 'backpressure' | 'queue-full' | 'unclaimed' | 'fenced';
type PartitionReason = Exclude<PauseReason, 'backpressure'>;

/** The part of a Kafka client that pauses and resumes fetching per partition of one topic. */
export interface PausableClient {
  /** The assigned partitions the client has paused right now, whoever paused them. */
  paused(): number[];
  pause(partitions: readonly number[]): void;
  resume(partitions: readonly number[]): void;
}

/**
 * The runtime's own record of which partitions must not be fetched, and why; the Kafka client's pause state is
 * made to match it, never the other way round.
 *
 * kafkajs keeps paused partitions paused across rebalances, so a pause the runtime no longer wants (a fence from
 * before the member rejoined) would wedge a partition the member gets back: issue 12, where a fenced member's
 * reclaimed partitions never moved again. `sync` therefore reads the client's actual pause state and resumes
 * every assigned partition the runtime has no reason to pause.
 */
export interface PartitionPauses {
  /** A new assignment: every partition's reasons are forgotten, each starts `unclaimed`; backpressure stays. */
  assign(partitions: Iterable<number>): void;
  set(partition: number, reason: PartitionReason, on: boolean): void;
  setBackpressure(on: boolean): void;
  /** Makes the client's pause state equal to the runtime's; returns what it changed. */
  sync(client: PausableClient): { paused: number[]; resumed: number[] };
  /** The reasons an assigned partition is paused for (empty for a partition that is fetched). */
  reasons(partition: number): PauseReason[];
  isPausedBy(partition: number, reason: PauseReason): boolean;
}

export function createPartitionPauses(): PartitionPauses {
  const byPartition = new Map<number, Set<PartitionReason>>();
  let backpressure = false;

  const reasons = (partition: number): PauseReason[] => {
    const own = byPartition.get(partition);
    if (!own) return [];
    return backpressure ? ['backpressure', ...own] : [...own];
  };

  return {
    assign(partitions) {
      byPartition.clear();
      for (const partition of partitions) byPartition.set(partition, new Set(['unclaimed']));
    },
    set(partition, reason, on) {
      const own = byPartition.get(partition);
      if (!own) return;
      if (on) own.add(reason);
      else own.delete(reason);
    },
    setBackpressure(on) {
      backpressure = on;
    },
    sync(client) {
      const actual = new Set(client.paused());
      const paused: number[] = [];
      const resumed: number[] = [];
      for (const partition of byPartition.keys()) {
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
