/**
 * Open-loop load: event i is due at a fixed intended time, startAt + i / rate, whatever happened to the events
 * before it. A sender that falls behind sends late but keeps the intended times, so the latency of an event is
 * counted from when it should have been sent (no coordinated omission).
 */
export interface OpenLoopSchedule {
  /** Epoch ms of event 0. */
  readonly startAt: number;
  readonly ratePerSec: number;
  readonly total: number;
}

export function intendedAt(schedule: OpenLoopSchedule, index: number): number {
  return schedule.startAt + (index * 1000) / schedule.ratePerSec;
}

/** How many events are due (intended at or before `now`), at most `total`. */
export function dueBy(schedule: OpenLoopSchedule, now: number): number {
  if (now < schedule.startAt) return 0;
  return Math.min(schedule.total, Math.floor(((now - schedule.startAt) * schedule.ratePerSec) / 1000) + 1);
}
