/**
 * Kafka's committed offsets follow the database's, for lag tools (kafka-consumer-groups, dashboards); the
 * database holds the truth, so a failed commit only delays the advice. At most one commit per partition is in
 * flight; commits that pile up meanwhile collapse into the newest.
 */
export interface AdvisoryCommits {
  note(partition: number, nextOffset: bigint): void;
  /** Stops sending: commits noted afterwards are dropped. */
  close(): void;
}

export function createAdvisoryCommits(
  commit: (partition: number, nextOffset: bigint) => Promise<void>,
  onError: (partition: number, error: unknown) => void,
): AdvisoryCommits {
  const partitions = new Map<number, { inFlight: boolean; next?: bigint }>();
  let closed = false;

  const drain = async (partition: number, entry: { inFlight: boolean; next?: bigint }) => {
    entry.inFlight = true;
    while (entry.next !== undefined && !closed) {
      const offset = entry.next;
      entry.next = undefined;
      await commit(partition, offset).catch((error: unknown) => onError(partition, error));
    }
    entry.inFlight = false;
  };

  return {
    note(partition, nextOffset) {
      if (closed) return;
      let entry = partitions.get(partition);
      if (!entry) partitions.set(partition, (entry = { inFlight: false }));
      entry.next = nextOffset;
      if (!entry.inFlight) void drain(partition, entry);
    },
    close() {
      closed = true;
    },
  };
}
