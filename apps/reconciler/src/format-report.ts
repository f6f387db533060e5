import { ISSUE_KINDS, type ReconciliationReport } from './reconcile.ts';

/** The report for people: a summary, per-partition lag, and the first issues. */
export function formatReport(report: ReconciliationReport, maxIssues = 20): string {
  const lines: string[] = [];
  lines.push(`reconciliation: ${report.status.toUpperCase()}`);
  lines.push(
    `log: ${report.log.records} records, ${report.log.events} distinct events of ${report.log.payments} payments, ${report.log.undecodable} undecodable` +
      ` | ledger: ${report.ledger.payments} payments, ${report.ledger.appliedEvents} applied events, ${report.ledger.parkedEvents} parked, ${report.ledger.deadLetters} dead letters`,
  );
  lines.push('');
  lines.push(
    table(
      ['partition', 'log end', 'stored next', 'lag'],
      report.partitions.map((p) => [
        String(p.partition),
        String(p.logEndOffset),
        p.storedNextOffset === null ? '-' : String(p.storedNextOffset),
        String(p.lag),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    table(
      ['payments', ...ISSUE_KINDS, 'pending', 'clean'],
      [
        [
          String(report.log.payments),
          ...ISSUE_KINDS.map((k) => String(report.counts[k])),
          String(report.counts.pending),
          String(report.counts.clean),
        ],
      ],
    ),
  );
  if (report.balanceMismatches > 0)
    lines.push(`\n${report.balanceMismatches} account balance(s) differ from the sum of their ledger legs`);
  if (report.issues.length > 0) {
    lines.push('');
    lines.push(
      table(
        ['payment', 'issue', 'repairable by replay', 'detail'],
        report.issues.slice(0, maxIssues).map((i) => [i.paymentId, i.kind, i.repairable ? 'yes' : 'no', i.detail]),
      ),
    );
    if (report.issues.length > maxIssues)
      lines.push(`… and ${report.issues.length - maxIssues} more (--json lists all)`);
  }
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
