import type { CpuSnapshot } from './process-stats.ts';

/** One drain of one arm, as measured. */
export interface ArmRun {
  readonly arm: string;
  /** Events handled between the first one and the end. */
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number;
  /** CPU seconds over the same window: the arm's node process, the JVMs (Kafka, registry), PostgreSQL. */
  readonly cpu: CpuSnapshot;
  readonly nodeCpuUsPerEvent: number;
  /** VmHWM of the arm's node process at the end of the drain. */
  readonly peakRssMb: number;
}

export function armRun(
  arm: string,
  events: number,
  firstAt: number,
  doneAt: number,
  cpu: CpuSnapshot,
  peakRssMb: number,
): ArmRun {
  const seconds = Math.max(0.001, (doneAt - firstAt) / 1000);
  return {
    arm,
    events,
    seconds: Math.round(seconds * 1000) / 1000,
    eventsPerSec: Math.round(events / seconds),
    cpu,
    nodeCpuUsPerEvent: events > 0 ? Math.round(((cpu.node * 1e6) / events) * 10) / 10 : 0,
    peakRssMb: Math.round(peakRssMb),
  };
}
