import { describe, expect, it } from 'vitest';
import { formatReport } from './format-report.ts';
import type { ReconciliationReport } from './reconcile.ts';

const report: ReconciliationReport = {
  status: 'drift',
  log: { records: 12, events: 11, undecodable: 1, payments: 3 },
  ledger: { payments: 3, appliedEvents: 10, parkedEvents: 1, deadLetters: 1 },
  partitions: [{ partition: 0, logEndOffset: 12n, storedNextOffset: 12n, lag: 0n }],
  counts: { missing: 1, duplicated: 0, out_of_order: 0, parked: 1, drifted: 0, clean: 2, pending: 0 },
  balanceMismatches: 0,
  issues: [
    {
      paymentId: 'p-1',
      kind: 'missing',
      detail: 'seq 2 in the log but not in the ledger',
      repairable: true,
      positions: [{ partition: 0, offset: 4n }],
    },
    { paymentId: 'p-1', kind: 'parked', detail: '1 event(s) waiting for a missing sequence number', repairable: true },
  ],
};

describe('formatReport', () => {
  it('summarises status, partitions, counts and issues as tables', () => {
    const text = formatReport(report);
    expect(text).toContain('reconciliation: DRIFT');
    expect(text).toContain('log: 12 records, 11 distinct events of 3 payments, 1 undecodable');
    expect(text).toMatch(/partition\s+log end\s+stored next\s+lag/);
    expect(text).toMatch(/p-1\s+missing\s+yes\s+seq 2 in the log but not in the ledger/);
  });
});
