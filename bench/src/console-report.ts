import { ARMS, type BenchResults, type Target } from './bench-results.ts';
import { describeStages } from './latency-results.ts';

const n = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

function textTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The results as the terminal shows them at the end of a run: throughput, latency, memory, then PASS/MISS. */
export function formatConsoleReport(r: BenchResults): string {
  const out: string[] = [];
  out.push('', `=== SPR benchmark (${r.mode}${r.mode === 'quick' ? ': small backlog, indicative only' : ''}) ===`, '');
  out.push(
    textTable(
      ['arm', 'events/s', 'per round', 'O ÷ arm', 'node µs/ev', 'cpu s node/java/pg', 'peak RSS MB'],
      ARMS.map((arm) => {
        const eps = r.eventsPerSec[arm];
        const cpu = r.cpu[arm];
        return [
          arm,
          n(eps),
          r.rounds.map((round) => n(round.arms[arm]?.eventsPerSec)).join(', '),
          arm === 'O' || !eps || !r.eventsPerSec.O ? '' : `${n(r.eventsPerSec.O / eps, 2)}x`,
          n(cpu?.nodeCpuUsPerEvent, 1),
          cpu ? `${n(cpu.node, 1)}/${n(cpu.java, 1)}/${n(cpu.postgres, 1)}` : '–',
          n(r.peakRssMb[arm]),
        ];
      }),
    ),
    '',
  );
  if (r.sweep.length > 0) {
    out.push(
      textTable(
        ['O chunk', 'events/s', 'node µs/ev', 'peak RSS MB', 'pauses'],
        r.sweep.map((s) => [
          n(s.chunkMaxEvents),
          n(s.eventsPerSec),
          n(s.nodeCpuUsPerEvent, 1),
          n(s.peakRssMb),
          n(s.pauses),
        ]),
      ),
      '',
    );
  }
  if (r.coldStart) {
    const c = r.coldStart;
    out.push(
      `O cold start (no periodic ANALYZE): ${n(c.eventsPerSec)} events/s${c.steadyEventsPerSec ? ` (${n(c.eventsPerSec / c.steadyEventsPerSec, 2)}x steady O)` : ''}, ${c.pauses} pauses, ${c.autoanalyzeRuns} autoanalyze(s)`,
      '',
    );
  }
  if (r.latency) {
    out.push(
      textTable(
        [
          'rate/s',
          'sent/s',
          'O p50 ms',
          'O p99 ms',
          'O p99.9 ms',
          'F p50 ms',
          'F p99 ms',
          'F p99.9 ms',
          'O/F p99',
          'not seen O/F',
          'poll ms',
          'tx start p50/p99 ms',
          'pauses',
        ],
        r.latency.byRate.map((l) => [
          n(l.ratePerSec),
          n(l.achievedRatePerSec),
          n(l.p50Ms, 2),
          n(l.p99Ms, 2),
          n(l.p999Ms, 2),
          n(l.floor?.p50Ms, 2),
          n(l.floor?.p99Ms, 2),
          n(l.floor?.p999Ms, 2),
          l.floor ? `${n(l.p99Ms / l.floor.p99Ms, 2)}x` : '–',
          `${n(l.missing)}/${n(l.floor?.missing)}`,
          n(l.pollMeanMs, 2),
          `${n(l.txStartP50Ms, 1)}/${n(l.txStartP99Ms, 1)}`,
          n(l.pauses),
        ]),
      ),
      ...(r.latency.byRate.some((l) => l.stages)
        ? r.latency.byRate.map((l) => `O at ${n(l.ratePerSec)}/s: ${describeStages(l.stages)}`)
        : ['O: stages not measured (no stage trace in these results)']),
      '',
    );
  }
  if (r.stall) {
    const s = r.stall;
    out.push(
      `stall ${s.stallSec} s: RSS steady ${n(s.steadyRssMb)} MB, peak ${n(s.peakRssMbDuringStall)} MB (VmHWM ${n(s.hwmMbAfterStall)} MB); produced ${n(s.producedDuringStall)} at ${n(s.achievedRatePerSec)}/s (aimed ${n(s.targetRatePerSec)}/s); ` +
        `${s.paused ? `paused: ${s.pauseReason}` : 'did NOT pause'}; ${s.drainSecondsAfterStall === undefined ? 'did NOT drain in time' : `drained ${n(s.drainSecondsAfterStall, 1)} s after`} ` +
        `(${n(s.drainRatePerSecAfterStall)} events/s, ${s.pausesAfterStall} pauses after the stall); lost ${n(s.lost)}, duplicates ${n(s.duplicatesInLedger)}`,
      '',
    );
  }
  if (r.profile) {
    out.push(
      `profile of O (${n(r.profile.eventsPerSecProfiled)} events/s profiled, idle ${n(r.profile.idlePct, 1)}%): ${r.profile.byArea
        .slice(0, 6)
        .map((a) => `${a.name} ${n(a.selfPct, 1)}%`)
        .join(', ')}`,
    );
    out.push(...r.profile.top.slice(0, 8).map((e) => `  ${n(e.selfPct, 1).padStart(5)}%  ${e.name}`), '');
  }
  if (r.gateway) {
    out.push(
      r.gateway.status === 'ok'
        ? `G: ${n(r.gateway.requestsPerSec)} accepted writes/s (${r.gateway.clients} clients), relay ${n(r.gateway.publishedPerSec)} events/s`
        : `G: skipped: ${r.gateway.reason}`,
      '',
    );
  }
  if (r.errors.length > 0) out.push('FAILED STEPS:', ...r.errors.map((e) => `  - ${e.split('\n')[0]}`), '');
  out.push(formatTargets(r.targets));
  return out.join('\n');
}

export function formatTargets(targets: readonly Target[]): string {
  const misses = targets.filter((t) => t.status !== 'PASS').length;
  return [
    '=== TARGETS ===',
    textTable(
      ['', 'target', 'wanted', 'measured'],
      targets.map((t) => [t.status, t.name, t.target, t.measured]),
    ),
    misses === 0 ? 'ALL TARGETS MET' : `${misses} TARGET(S) MISSED OR NOT MEASURED (see above; reported, not hidden)`,
    '',
  ].join('\n');
}
