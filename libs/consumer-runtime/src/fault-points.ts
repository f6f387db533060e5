/**
 * Named places in a chunk's life where the chaos suite kills the consumer (docs/design.md §8). Only the chaos suite
 * sets SPR_FAULT_POINT; in any other process every check is a no-op. With a fold handler (decision 0009):
 * after-fetch, records taken from the queue; mid-insert, the chunk's read returned; before-commit, its write
 * built and not sent; during-commit, the write (one implicit transaction) on the wire; after-commit, it returned.
 * With an apply handler, mid-insert and before-commit are inside the chunk's open transaction block.
 */
export const FAULT_POINTS = ['after-fetch', 'mid-insert', 'before-commit', 'during-commit', 'after-commit'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export interface FaultInjector {
  /**
   * True when this visit of `point` is the one to die at (the caller decides how: during-commit sends COMMIT
   * first).
   */
  shouldFail(point: FaultPoint): boolean;
  /** Dies now, without cleanup, as `kill -9` would; or, with SPR_FAULT_ACTION=stop, freezes until SIGCONT. */
  trip(point: FaultPoint): void;
}

export const NO_FAULTS: FaultInjector = {
  shouldFail: () => false,
  trip: () => undefined,
};

/**
 * `SPR_FAULT_POINT=<point>[:<visit>]`: at the n-th visit (default 1) of the point, SIGKILL this process, or, with
 * `SPR_FAULT_ACTION=stop`, SIGSTOP it (a zombie: frozen mid-transaction until someone sends SIGCONT, after which
 * it carries on). An unknown point or action is a configuration error, reported at start.
 */
export function faultInjectorFromEnv(
  env: NodeJS.ProcessEnv,
  onDie: (point: FaultPoint) => void = () => undefined,
): FaultInjector {
  const spec = env.SPR_FAULT_POINT;
  if (!spec) return NO_FAULTS;
  const [name, visitText] = spec.split(':');
  if (!FAULT_POINTS.includes(name as FaultPoint)) {
    throw new Error(`SPR_FAULT_POINT=${spec}: unknown point '${name}', expected one of ${FAULT_POINTS.join(', ')}`);
  }
  const visit = visitText === undefined ? 1 : Number(visitText);
  if (!Number.isInteger(visit) || visit < 1)
    throw new Error(`SPR_FAULT_POINT=${spec}: the visit must be a positive integer`);
  const action = env.SPR_FAULT_ACTION ?? 'kill';
  if (action !== 'kill' && action !== 'stop') throw new Error(`SPR_FAULT_ACTION=${action}: expected kill or stop`);
  let visits = 0;
  return {
    shouldFail(point) {
      return point === name && ++visits === visit;
    },
    trip(point) {
      onDie(point);
      if (action === 'stop') {
        // Frozen here; after SIGCONT the caller continues as if nothing happened (a stalled zombie).
        process.kill(process.pid, 'SIGSTOP');
        return;
      }
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL is delivered asynchronously; never continue past a fault point.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_000);
    },
  };
}
