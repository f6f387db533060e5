import { ARMS, type Arm, type BenchResults } from './bench-results.ts';
import type { LatencyMeasurement } from './run-latency.ts';
import { PALETTE, renderBarChart, type Bar } from './svg-bar-chart.ts';

const ARM_COLORS: Readonly<Record<Arm, string>> = {
  A0: PALETTE.ceiling,
  A1: PALETTE.ceiling,
  B: PALETTE.ceiling,
  F: PALETTE.ceiling,
  N: PALETTE.naive,
  O: PALETTE.spr,
};
const subtitleOf = (r: BenchResults) =>
  `${r.mode === 'quick' ? 'QUICK RUN (small backlog, indicative only) · ' : ''}${r.backlog ? `${r.backlog.deliveries.toLocaleString('en-US')} events, ${r.backlog.partitions} partitions · ` : ''}${r.machine.cpus} cores, ${r.date.slice(0, 10)}, commit ${r.machine.gitCommit.slice(0, 8)}`;

/** Events per second of each arm (medians over the rounds) and O's chunk-size sweep. */
export function renderThroughputSvg(r: BenchResults): string {
  const o = r.eventsPerSec.O;
  const labels: Readonly<Record<Arm, string>> = {
    A0: 'A0 (consume only)',
    A1: 'A1 (consume + decode)',
    B: 'B (PostgreSQL ceiling)',
    F: 'F (the floor)',
    N: `N (naive, first ${(r.duplicatesInLedger.naiveEventsDrained ?? r.options.naiveEvents).toLocaleString('en-US')})`,
    O: 'O (SPR consumer)',
  };
  const arms: Bar[] = ARMS.map((arm) => ({
    label: labels[arm],
    value: r.eventsPerSec[arm] ?? Number.NaN,
    note:
      arm !== 'O' && o !== undefined && r.eventsPerSec[arm]
        ? `O = ${(o / r.eventsPerSec[arm]!).toFixed(2)}×`
        : undefined,
    color: ARM_COLORS[arm],
  }));
  const sweep: Bar[] = r.sweep.map((s) => ({
    label: `O, chunk ${s.chunkMaxEvents.toLocaleString('en-US')}`,
    value: s.eventsPerSec,
    note: `${s.nodeCpuUsPerEvent} µs CPU/event`,
    color: PALETTE.sweep,
  }));
  return renderBarChart({
    title: 'Throughput: draining the same backlog (events/s, log scale, higher is better)',
    subtitle: subtitleOf(r),
    unit: 'events/s',
    scale: 'log',
    groups: [
      { title: `Arms (median of ${r.rounds.length} round${r.rounds.length === 1 ? '' : 's'})`, bars: arms },
      ...(sweep.length > 0 ? [{ title: 'O: CHUNK_MAX_EVENTS sweep (one drain each)', bars: sweep }] : []),
    ],
  });
}

/** p50 / p99 / p99.9 end-to-end latency at each open-loop rate: O's, and F's beside it when it was measured. */
export function renderLatencySvg(r: BenchResults): string {
  const percentiles = (arm: 'O' | 'F', l: LatencyMeasurement): Bar[] => [
    { label: `${arm} p50`, value: l.p50Ms, color: PALETTE.p50 },
    { label: `${arm} p99`, value: l.p99Ms, color: PALETTE.p99 },
    { label: `${arm} p99.9`, value: l.p999Ms, color: PALETTE.p999 },
  ];
  const groups = (r.latency?.byRate ?? []).map((l) => ({
    title: `${l.ratePerSec.toLocaleString('en-US')} events/s${l.ratePerSec === r.latency?.ratePerSec ? ' (fixed rate)' : ''}: sent ${l.achievedRatePerSec.toLocaleString('en-US')}/s`,
    bars: [...percentiles('O', l), ...(l.floor ? percentiles('F', l.floor) : [])],
  }));
  return renderBarChart({
    title: 'Latency of O and F (the floor): intended send to commit (ms, open loop, log scale, lower is better)',
    subtitle: subtitleOf(r),
    unit: 'ms',
    scale: 'log',
    groups: groups.length > 0 ? groups : [{ title: 'no latency measured', bars: [] }],
  });
}
