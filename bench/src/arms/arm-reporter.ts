import type { ChildArmMessage } from '../arm-protocol.ts';
import { epochNow } from '../clock.ts';

/** How an arm tells the benchmark where it is: first event seen, progress, done. */
export interface ArmReporter {
  first(): void;
  progress(count: number): void;
  done(count: number): void;
  /** Resolves once `done` has been called. */
  readonly finished: Promise<void>;
}

export const PROGRESS_EVERY_MS = 5_000;

export function createArmReporter(send: (message: ChildArmMessage) => void): ArmReporter {
  let firstAt: number | undefined;
  let lastProgress = 0;
  let resolve!: () => void;
  const finished = new Promise<void>((r) => (resolve = r));
  let isDone = false;
  return {
    first() {
      if (firstAt !== undefined) return;
      firstAt = epochNow();
      lastProgress = firstAt;
      send({ type: 'first', at: firstAt });
    },
    progress(count) {
      const now = epochNow();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      send({ type: 'progress', count });
    },
    done(count) {
      if (isDone) return;
      isDone = true;
      const doneAt = epochNow();
      send({ type: 'done', count, firstAt: firstAt ?? doneAt, doneAt });
      resolve();
    },
    finished,
  };
}
