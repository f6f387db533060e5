import type { BacklogItem } from './backlog-generator.ts';
import { recordBytes } from './record-bytes.ts';

/** What a backlog holds, and what a consumer that applies it exactly once must end with. */
export interface BacklogSummary {
  readonly deliveries: number;
  readonly unique: number;
  readonly redeliveries: number;
  readonly payments: number;
  /** Ledger legs of the unique events (each applied once). */
  readonly expectedLegs: number;
  /** Sum of every unique refund, in minor units (as a decimal string: JSON has no bigint). */
  readonly refundedMinor: string;
  readonly byType: Readonly<Record<string, number>>;
  /** Mean record size: value, key and headers, as the producer sends them. */
  readonly meanRecordBytes: number;
}

export interface BacklogSummariser {
  add(item: BacklogItem): void;
  summary(): BacklogSummary;
}

/** Adds up a backlog as it streams past (the benchmark never holds the whole backlog in memory). */
export function createBacklogSummariser(): BacklogSummariser {
  let deliveries = 0;
  let redeliveries = 0;
  let expectedLegs = 0;
  let refunded = 0n;
  let bytes = 0;
  const payments = new Set<string>();
  const byType: Record<string, number> = {};
  return {
    add(item) {
      deliveries++;
      bytes += recordBytes(item.event);
      if (item.redelivery) {
        redeliveries++;
        return;
      }
      expectedLegs += item.legs;
      byType[item.event.type] = (byType[item.event.type] ?? 0) + 1;
      if (item.event.type === 'PaymentInitiated') payments.add(item.event.payload.entity_id);
      if (item.event.type === 'PaymentRefunded') refunded += item.event.payload.amount_minor;
    },
    summary: () => ({
      deliveries,
      unique: deliveries - redeliveries,
      redeliveries,
      payments: payments.size,
      expectedLegs,
      refundedMinor: refunded.toString(),
      byType: { ...byType },
      meanRecordBytes: deliveries === 0 ? 0 : Math.round(bytes / deliveries),
    }),
  };
}
