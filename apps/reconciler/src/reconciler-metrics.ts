import { Gauge, type Registry } from 'prom-client';
import { ISSUE_KINDS, type ReconciliationReport } from './reconcile.ts';

/** Gauges of the last run, for the scheduled mode's /metrics. */
export function createReconcilerMetrics(registry: Registry) {
  const registers = [registry];
  const payments = new Gauge({
    name: 'spr_reconciler_payments',
    help: 'Payments by reconciliation status in the last run',
    labelNames: ['status'] as const,
    registers,
  });
  const drift = new Gauge({ name: 'spr_reconciler_drift', help: '1 when the last run found drift', registers });
  const lastRun = new Gauge({
    name: 'spr_reconciler_last_run_timestamp_seconds',
    help: 'When the last run finished',
    registers,
  });
  const lag = new Gauge({
    name: 'spr_reconciler_partition_lag',
    help: 'Log end minus the stored next offset',
    labelNames: ['partition'] as const,
    registers,
  });
  return {
    record(report: ReconciliationReport) {
      for (const kind of ISSUE_KINDS) payments.set({ status: kind }, report.counts[kind]);
      payments.set({ status: 'clean' }, report.counts.clean);
      payments.set({ status: 'pending' }, report.counts.pending);
      drift.set(report.status === 'drift' ? 1 : 0);
      for (const p of report.partitions) lag.set({ partition: String(p.partition) }, Number(p.lag));
      lastRun.set(Date.now() / 1000);
    },
  };
}
